// NHN Cloud System Monitoring's "OpenMetrics dashboard" workspace API (seeds/001, /000):
// jobs (/v1.0/projects/{projectId}/jobs) and their collection targets, and the project's
// servers, behind the `{"header":{isSuccessful,resultCode,resultMessage},"body":...}` envelope.
//
// Business errors answer HTTP 200 with a negative resultCode (-40001 ALREADY_EXIST, -40002
// BAD_INPUT_VALUE, -40004 INVALID_HOST_OR_PROJECT, -40006 NOT_FOUND_JOB, -40007
// NOT_FOUND_TARGET, -40012 SYSTEM_RESERVED_JOB); a project other than the caller's is 403.
// Each project starts with a reserved default job that cannot be changed or given targets.
// State is kept per project and, when a directory is given, persisted there as JSON.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api/http.h"

namespace promref::api {

struct NhnServer {
  std::string host_id;
  std::string host_name;
  std::string ip;
  std::string instance_id;
};

class NhnWorkspaceApi {
 public:
  // `state_dir`: where each project's jobs and targets are saved ("" keeps them in memory).
  // `servers_for`: the servers a project owns (what targets may point at).
  NhnWorkspaceApi(std::string state_dir,
                  std::function<std::vector<NhnServer>(const std::string& project)> servers_for);

  void Register(Router& router);

  // A workspace job as promref scrapes it: every target at its server's IP and the target's
  // port, the job's metrics path, into the project's tenant.
  struct ScrapeTarget {
    std::string address;  // "ip:port"
    std::string host_id, host_name;
  };
  struct ScrapeJob {
    std::string name, metrics_path;
    std::vector<ScrapeTarget> targets;
  };
  // The project's jobs that have targets (the reserved default job has none).
  std::vector<ScrapeJob> ScrapeJobs(const std::string& project);
  // Called with a project's jobs after every change to them, under the workspace lock.
  void OnChange(std::function<void(const std::string& project, const std::vector<ScrapeJob>& jobs)> f) {
    on_change_ = std::move(f);
  }

 private:
  struct Job {
    std::string id, name, metrics_path, description, modified;
    bool reserved = false;
  };
  struct Target {
    std::string id, job_id, host_id, modified;
    int port = 0;
  };
  struct Project {
    bool loaded = false;
    std::vector<Job> jobs;
    std::vector<Target> targets;
    uint64_t next_id = 1;
  };

  Response ListJobs(const Request& req);
  Response CreateJob(const Request& req);
  Response GetJob(const Request& req);
  Response UpdateJob(const Request& req);
  Response DeleteJob(const Request& req);
  Response ListTargets(const Request& req);
  Response CreateTarget(const Request& req);
  Response GetTarget(const Request& req);
  Response DeleteTarget(const Request& req);
  Response ListServers(const Request& req);

  // The caller's project, or the 403 response when the path names another project.
  Project* Authorize(const Request& req, Response* denied);
  void Load(const std::string& project_id, Project* p);
  void Save(const std::string& project_id, const Project& p);
  std::string JobJson(const std::string& project_id, const Job& j) const;
  std::vector<ScrapeJob> ScrapeJobsOf(const std::string& project_id, const Project& p) const;
  std::string TargetJson(const std::string& project_id, const Target& t) const;

  std::string state_dir_;
  std::function<std::vector<NhnServer>(const std::string&)> servers_for_;
  std::function<void(const std::string&, const std::vector<ScrapeJob>&)> on_change_;
  std::mutex mu_;
  std::map<std::string, Project> projects_;
};

}  // namespace promref::api
