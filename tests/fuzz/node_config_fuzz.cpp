// souk-node's options: command lines and config files from the input, read by the
// node's own configure(). It refuses with a reason or accepts; what it accepts is in
// range (durations, HOST:PORT, keys), whatever CAF made of the input.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_shop.hpp"
#include "tools/souk-node/config.hpp"

using namespace souk;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)std::freopen("/dev/null", "w", stdout);  // --help and --dump-config print there
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const flags[] = {
      "--http=", "--http", "--data-dir=", "--node-id=", "--idle-timeout=", "--snapshot-every=",
      "--max-live-sessions=", "--journal-preallocate-mb=", "--log-file=", "--demo",
      "--load-catalog=", "--gateway.api-keys=", "--gateway.transfer-keys=",
      "--gateway.threads=", "--gateway.body-limit=", "--gateway.request-timeout=",
      "--gateway.verify-interval=", "--gateway.verify-sample=", "--scheduler.max-threads=",
      "--scheduler.policy=", "--config", "--help", "--dump-config", ""};
  static fuzz::scratch_dir dir("node-config");
  FuzzedDataProvider in(data, size);
  std::vector<std::string> args{"souk-node"};
  for (int n = in.ConsumeIntegralInRange<int>(0, 8); n > 0; --n)
    args.push_back(std::string(flags[in.ConsumeIntegralInRange<size_t>(0, std::size(flags) - 1)]) +
                   in.ConsumeRandomLengthString(120));
  if (in.ConsumeBool()) {
    const std::string ini = dir.str() + "/souk.ini";
    std::ofstream(ini) << in.ConsumeRemainingBytesAsString();
    args.push_back("--config-file=" + ini);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  node_tool::node_config cfg;
  std::ostringstream err;
  const int code = node_tool::configure(cfg, static_cast<int>(args.size()), argv.data(), err);
  if (code > 0) SOUK_FUZZ_CHECK(!err.str().empty());
  if (code != -1) return 0;
  SOUK_FUZZ_CHECK(cfg.idle_timeout >= std::chrono::seconds(1));
  SOUK_FUZZ_CHECK(cfg.request_timeout >= std::chrono::milliseconds(100));
  SOUK_FUZZ_CHECK(cfg.verify_interval >= caf::timespan{0});
  SOUK_FUZZ_CHECK(cfg.keys.size() == cfg.api_keys.size());
  if (!cfg.http.empty()) SOUK_FUZZ_CHECK(!cfg.http_host.empty());
  return 0;
}
