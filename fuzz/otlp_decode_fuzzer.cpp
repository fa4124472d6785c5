// Fuzzes the OTLP receiver's decoders and translation on untrusted bytes:
//  - protobuf and OTLP/JSON decoding never crash, leak, hang or read outside the input;
//  - what the protobuf decoder accepts survives encoding and decoding again unchanged;
//  - whatever decodes translates into a MemStorage appender under every translation strategy
//    (with and without NHCB, deltas and promoted attributes) without crashing, and the batch
//    commits or rolls back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "otlp/otlp_decode.h"
#include "otlp/otlp_encode.h"
#include "otlp/otlp_translate.h"
#include "storage/mem_storage.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "otlp fuzzer: %s\n", what);
  std::abort();
}

void TranslateAll(const promref::otlp::ExportRequest& req) {
  static const char* kStrategies[] = {"UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes",
                                      "NoUTF8EscapingWithSuffixes", "NoTranslation"};
  for (int i = 0; i < 4; ++i) {
    promref::otlp::TranslateOptions o;
    o.config.translation_strategy = kStrategies[i];
    o.config.convert_histograms_to_nhcb = i % 2 == 1;
    o.config.promote_scope_metadata = i >= 2;
    o.config.promote_all_resource_attributes = i == 1;
    o.config.label_name_preserve_multiple_underscores = i != 0;
    o.allow_delta_temporality = i == 3;
    o.max_target_info_samples = 64;
    promref::storage::MemStorage storage;
    auto app = storage.MakeAppender();
    const promref::otlp::TranslateResult r = promref::otlp::Translate(req, o, *app);
    if (r.errors.empty()) {
      (void)app->Commit();
    } else {
      app->Rollback();
      if (r.ErrorText().empty()) Fail("errors without text");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto pb = promref::otlp::DecodeProtobuf(in); pb.ok()) {
    const std::string once = promref::otlp::EncodeProtobuf(*pb);
    auto again = promref::otlp::DecodeProtobuf(once);
    if (!again.ok()) Fail("re-encoded protobuf does not decode");
    if (promref::otlp::EncodeProtobuf(*again) != once) Fail("protobuf round trip changed the request");
    TranslateAll(*pb);
  }
  if (auto js = promref::otlp::DecodeJson(in); js.ok()) {
    TranslateAll(*js);
    if (!promref::otlp::DecodeJson(promref::otlp::EncodeJson(*js)).ok())
      Fail("re-encoded JSON does not decode");
  }
  return 0;
}
