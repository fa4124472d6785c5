#include "api/nhn_workspace.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/json_writer.h"
#include "api/tenant.h"

namespace promref::api {
namespace {

enum ResultCode {
  kSuccess = 0,
  kAlreadyExist = -40001,
  kBadInputValue = -40002,
  kInvalidHostOrProject = -40004,
  kNotFoundJob = -40006,
  kNotFoundTarget = -40007,
  kSystemReservedJob = -40012,
  kInternalServerError = -50000,
};

const char* ResultName(int code) {
  switch (code) {
    case kSuccess: return "SUCCESS";
    case kAlreadyExist: return "ALREADY_EXIST";
    case kBadInputValue: return "BAD_INPUT_VALUE";
    case kInvalidHostOrProject: return "INVALID_HOST_OR_PROJECT";
    case kNotFoundJob: return "NOT_FOUND_JOB";
    case kNotFoundTarget: return "NOT_FOUND_TARGET";
    case kSystemReservedJob: return "SYSTEM_RESERVED_JOB";
    default: return "INTERNAL_SERVER_ERROR";
  }
}

Response Envelope(int code, const std::string& body_json) {
  JsonWriter w;
  w.BeginObject();
  w.Key("header").BeginObject();
  w.Key("isSuccessful").Bool(code == kSuccess);
  w.Key("resultCode").Int(code);
  w.Key("resultMessage").String(ResultName(code));
  w.EndObject();
  if (code == kSuccess) w.Key("body").Raw(body_json);
  w.EndObject();
  Response r;
  r.status = 200;
  r.content_type = "application/json";
  r.body = w.Take();
  return r;
}

Response Failure(int code) {
  return Envelope(code, "null");
}

// "2021-08-17T10:32:09": the workspace API's timestamps, UTC, no zone.
std::string Now() {
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

bool ValidMetricsPath(const std::string& p) {
  return !p.empty() && p[0] == '/' && p.size() <= 255;
}

}  // namespace

NhnWorkspaceApi::NhnWorkspaceApi(std::string state_dir,
                                 std::function<std::vector<NhnServer>(const std::string&)> servers_for)
    : state_dir_(std::move(state_dir)), servers_for_(std::move(servers_for)) {}

void NhnWorkspaceApi::Register(Router& r) {
  using H = Response (NhnWorkspaceApi::*)(const Request&);
  auto add = [&](const char* method, const char* path, H h) {
    r.Handle(method, path, [this, h](const Request& req) { return (this->*h)(req); });
  };
  add("GET", "/v1.0/projects/:project/jobs", &NhnWorkspaceApi::ListJobs);
  add("POST", "/v1.0/projects/:project/jobs", &NhnWorkspaceApi::CreateJob);
  add("GET", "/v1.0/projects/:project/jobs/:job", &NhnWorkspaceApi::GetJob);
  add("PUT", "/v1.0/projects/:project/jobs/:job", &NhnWorkspaceApi::UpdateJob);
  add("DELETE", "/v1.0/projects/:project/jobs/:job", &NhnWorkspaceApi::DeleteJob);
  add("GET", "/v1.0/projects/:project/jobs/:job/targets", &NhnWorkspaceApi::ListTargets);
  add("POST", "/v1.0/projects/:project/jobs/:job/targets", &NhnWorkspaceApi::CreateTarget);
  add("GET", "/v1.0/projects/:project/jobs/:job/targets/:target", &NhnWorkspaceApi::GetTarget);
  add("DELETE", "/v1.0/projects/:project/jobs/:job/targets/:target", &NhnWorkspaceApi::DeleteTarget);
  add("GET", "/v1.0/projects/:project/servers", &NhnWorkspaceApi::ListServers);
}

NhnWorkspaceApi::Project* NhnWorkspaceApi::Authorize(const Request& req, Response* denied) {
  const std::string& project = req.path_params.at("project");
  if (req.tenant == nullptr || req.tenant->id != project) {
    *denied = Response::Text(403, "project is not accessible with this app key\n");
    return nullptr;
  }
  Project& p = projects_[project];
  if (!p.loaded) Load(project, &p);
  return &p;
}

void NhnWorkspaceApi::Load(const std::string& project_id, Project* p) {
  p->loaded = true;
  if (!state_dir_.empty()) {
    std::ifstream in(std::filesystem::path(state_dir_) / project_id / "nhn_workspace.json");
    if (in) {
      try {
        const auto j = nlohmann::json::parse(in);
        p->next_id = j.value("next_id", uint64_t{1});
        for (const auto& jj : j["jobs"]) {
          p->jobs.push_back(
              {jj["id"], jj["name"], jj["metrics_path"], jj["description"], jj["modified"], jj["reserved"]});
        }
        for (const auto& tj : j["targets"]) {
          p->targets.push_back({tj["id"], tj["job_id"], tj["host_id"], tj["modified"], tj["port"]});
        }
        return;
      } catch (const nlohmann::json::exception&) {
        p->jobs.clear();
        p->targets.clear();
      }
    }
  }
  // Every project starts with its reserved default workspace.
  p->jobs.push_back({"default-" + project_id, "default", "/metrics", "default workspace", Now(), true});
}

std::vector<NhnWorkspaceApi::ScrapeJob> NhnWorkspaceApi::ScrapeJobsOf(const std::string& project_id,
                                                                      const Project& p) const {
  const std::vector<NhnServer> servers = servers_for_(project_id);
  std::vector<ScrapeJob> out;
  for (const Job& j : p.jobs) {
    ScrapeJob sj{j.name, j.metrics_path, {}};
    for (const Target& t : p.targets) {
      if (t.job_id != j.id) continue;
      for (const NhnServer& s : servers) {
        if (s.host_id == t.host_id)
          sj.targets.push_back({s.ip + ":" + std::to_string(t.port), s.host_id, s.host_name});
      }
    }
    if (!sj.targets.empty()) out.push_back(std::move(sj));
  }
  return out;
}

std::vector<NhnWorkspaceApi::ScrapeJob> NhnWorkspaceApi::ScrapeJobs(const std::string& project) {
  std::lock_guard lock(mu_);
  Project& p = projects_[project];
  if (!p.loaded) Load(project, &p);
  return ScrapeJobsOf(project, p);
}

void NhnWorkspaceApi::Save(const std::string& project_id, const Project& p) {
  if (on_change_) on_change_(project_id, ScrapeJobsOf(project_id, p));
  if (state_dir_.empty()) return;
  nlohmann::json j;
  j["next_id"] = p.next_id;
  j["jobs"] = nlohmann::json::array();
  for (const Job& job : p.jobs) {
    j["jobs"].push_back({{"id", job.id},
                         {"name", job.name},
                         {"metrics_path", job.metrics_path},
                         {"description", job.description},
                         {"modified", job.modified},
                         {"reserved", job.reserved}});
  }
  j["targets"] = nlohmann::json::array();
  for (const Target& t : p.targets) {
    j["targets"].push_back({{"id", t.id},
                            {"job_id", t.job_id},
                            {"host_id", t.host_id},
                            {"modified", t.modified},
                            {"port", t.port}});
  }
  const auto dir = std::filesystem::path(state_dir_) / project_id;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto tmp = dir / "nhn_workspace.json.tmp";
  {
    std::ofstream out(tmp);
    out << j.dump();
  }
  std::filesystem::rename(tmp, dir / "nhn_workspace.json", ec);  // atomic replace
}

std::string NhnWorkspaceApi::JobJson(const std::string& project_id, const Job& j) const {
  JsonWriter w;
  w.BeginObject();
  w.Key("jobId").String(j.id);
  w.Key("projectId").String(project_id);
  w.Key("jobName").String(j.name);
  w.Key("metricsPath").String(j.metrics_path);
  w.Key("description").String(j.description);
  w.Key("lstModifier").Null();
  w.Key("lstModYmdt").String(j.modified);
  w.Key("reservedJobCd");
  if (j.reserved) {
    w.String("DEFAULT");
  } else {
    w.Null();
  }
  w.EndObject();
  return w.Take();
}

std::string NhnWorkspaceApi::TargetJson(const std::string& project_id, const Target& t) const {
  NhnServer server;
  for (const auto& s : servers_for_(project_id)) {
    if (s.host_id == t.host_id) server = s;
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("targetId").String(t.id);
  w.Key("jobId").String(t.job_id);
  w.Key("hostId").String(t.host_id);
  w.Key("port").Int(t.port);
  w.Key("resultCd").Int(0);
  w.Key("failReason").Null();
  w.Key("mntrnStatCd").String("MONITORING");
  w.Key("lstModifier").Null();
  w.Key("lstModYmdt").String(t.modified);
  w.Key("hostNm").String(server.host_name);
  w.Key("svrIp").String(server.ip);
  w.EndObject();
  return w.Take();
}

Response NhnWorkspaceApi::ListJobs(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  if (req.Header("X-SYSMON-REGION").empty()) return Failure(kBadInputValue);
  std::string body = "[";
  for (size_t i = 0; i < p->jobs.size(); ++i) body += (i ? "," : "") + JobJson(req.tenant->id, p->jobs[i]);
  return Envelope(kSuccess, body + "]");
}

Response NhnWorkspaceApi::CreateJob(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  nlohmann::json in;
  try {
    in = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception&) {
    return Failure(kBadInputValue);
  }
  if (req.Header("X-SYSMON-REGION").empty() || !in.is_object() || !in.contains("jobName") ||
      !in["jobName"].is_string() || !in.contains("metricsPath") || !in["metricsPath"].is_string()) {
    return Failure(kBadInputValue);
  }
  Job j;
  j.name = in["jobName"];
  j.metrics_path = in["metricsPath"];
  if (in.contains("description") && in["description"].is_string()) j.description = in["description"];
  if (j.name.empty() || j.name.size() > 100 || !ValidMetricsPath(j.metrics_path))
    return Failure(kBadInputValue);
  for (const Job& existing : p->jobs) {
    if (existing.name == j.name) return Failure(kAlreadyExist);
  }
  j.id = "job-" + std::to_string(p->next_id++);
  j.modified = Now();
  p->jobs.push_back(j);
  Save(req.tenant->id, *p);
  return Envelope(kSuccess, JobJson(req.tenant->id, j));
}

Response NhnWorkspaceApi::GetJob(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  for (const Job& j : p->jobs) {
    if (j.id == req.path_params.at("job")) return Envelope(kSuccess, JobJson(req.tenant->id, j));
  }
  return Failure(kNotFoundJob);
}

Response NhnWorkspaceApi::UpdateJob(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  nlohmann::json in;
  try {
    in = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception&) {
    return Failure(kBadInputValue);
  }
  if (!in.is_object() || !in.contains("metricsPath") || !in["metricsPath"].is_string() ||
      !ValidMetricsPath(in["metricsPath"])) {
    return Failure(kBadInputValue);
  }
  for (Job& j : p->jobs) {
    if (j.id != req.path_params.at("job")) continue;
    if (j.reserved) return Failure(kSystemReservedJob);
    j.metrics_path = in["metricsPath"];
    if (in.contains("description") && in["description"].is_string()) j.description = in["description"];
    j.modified = Now();
    Save(req.tenant->id, *p);
    return Envelope(kSuccess, JobJson(req.tenant->id, j));
  }
  return Failure(kNotFoundJob);
}

Response NhnWorkspaceApi::DeleteJob(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  const std::string id = req.path_params.at("job");
  for (auto it = p->jobs.begin(); it != p->jobs.end(); ++it) {
    if (it->id != id) continue;
    if (it->reserved) return Failure(kSystemReservedJob);
    p->jobs.erase(it);
    std::erase_if(p->targets, [&](const Target& t) { return t.job_id == id; });
    Save(req.tenant->id, *p);
    JsonWriter w;
    w.String(id);
    return Envelope(kSuccess, w.Take());
  }
  return Failure(kNotFoundJob);
}

Response NhnWorkspaceApi::ListTargets(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  const std::string job = req.path_params.at("job");
  if (std::none_of(p->jobs.begin(), p->jobs.end(), [&](const Job& j) { return j.id == job; })) {
    return Failure(kNotFoundJob);
  }
  std::string body = "[";
  bool first = true;
  for (const Target& t : p->targets) {
    if (t.job_id != job) continue;
    body += (first ? "" : ",") + TargetJson(req.tenant->id, t);
    first = false;
  }
  return Envelope(kSuccess, body + "]");
}

Response NhnWorkspaceApi::CreateTarget(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  nlohmann::json in;
  try {
    in = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception&) {
    return Failure(kBadInputValue);
  }
  if (!in.is_object() || !in.contains("hostId") || !in["hostId"].is_string() || !in.contains("port")) {
    return Failure(kBadInputValue);
  }
  int port = 0;
  // The seed's own example sends the port as a string; accept both.
  if (in["port"].is_number_integer()) {
    port = in["port"];
  } else if (in["port"].is_string()) {
    try {
      port = std::stoi(in["port"].get<std::string>());
    } catch (const std::exception&) {
      return Failure(kBadInputValue);
    }
  }
  if (port < 1 || port > 65535) return Failure(kBadInputValue);
  const std::string job_id = req.path_params.at("job");
  auto job = std::find_if(p->jobs.begin(), p->jobs.end(), [&](const Job& j) { return j.id == job_id; });
  if (job == p->jobs.end()) return Failure(kNotFoundJob);
  if (job->reserved) return Failure(kSystemReservedJob);
  const std::string host = in["hostId"];
  const auto servers = servers_for_(req.tenant->id);
  if (std::none_of(servers.begin(), servers.end(), [&](const NhnServer& s) { return s.host_id == host; })) {
    return Failure(kInvalidHostOrProject);
  }
  Target t{"target-" + std::to_string(p->next_id++), job_id, host, Now(), port};
  p->targets.push_back(t);
  Save(req.tenant->id, *p);
  JsonWriter w;
  w.String(t.id);
  return Envelope(kSuccess, w.Take());
}

Response NhnWorkspaceApi::GetTarget(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  const std::string job = req.path_params.at("job");
  if (std::none_of(p->jobs.begin(), p->jobs.end(), [&](const Job& j) { return j.id == job; })) {
    return Failure(kNotFoundJob);
  }
  for (const Target& t : p->targets) {
    if (t.job_id == job && t.id == req.path_params.at("target"))
      return Envelope(kSuccess, TargetJson(req.tenant->id, t));
  }
  return Failure(kNotFoundTarget);
}

Response NhnWorkspaceApi::DeleteTarget(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  const std::string job_id = req.path_params.at("job");
  auto job = std::find_if(p->jobs.begin(), p->jobs.end(), [&](const Job& j) { return j.id == job_id; });
  if (job == p->jobs.end()) return Failure(kNotFoundJob);
  if (job->reserved) return Failure(kSystemReservedJob);
  const std::string id = req.path_params.at("target");
  auto it = std::find_if(p->targets.begin(), p->targets.end(),
                         [&](const Target& t) { return t.job_id == job_id && t.id == id; });
  if (it == p->targets.end()) return Failure(kNotFoundTarget);
  p->targets.erase(it);
  Save(req.tenant->id, *p);
  JsonWriter w;
  w.String(id);
  return Envelope(kSuccess, w.Take());
}

Response NhnWorkspaceApi::ListServers(const Request& req) {
  std::lock_guard lock(mu_);
  Response denied;
  Project* p = Authorize(req, &denied);
  if (p == nullptr) return denied;
  if (req.Header("X-SYSMON-REGION").empty()) return Failure(kBadInputValue);
  JsonWriter w;
  w.BeginArray();
  for (const auto& s : servers_for_(req.tenant->id)) {
    w.BeginObject();
    w.Key("hostId").String(s.host_id);
    w.Key("hostNm").String(s.host_name);
    w.Key("projectId").String(req.tenant->id);
    w.Key("svrIp").String(s.ip);
    w.Key("instanceId").String(s.instance_id);
    w.EndObject();
  }
  w.EndArray();
  return Envelope(kSuccess, w.Take());
}

}  // namespace promref::api
