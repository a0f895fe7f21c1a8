// soukctl's arguments, from the input, against a small data directory: every read-only
// command with any options (times, versions, limits, threads) answers with an exit
// code of its own. The data directory is fixed: the input chooses what to ask, never
// where to write.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_shop.hpp"
#include "persistence/journal.hpp"
#include "runtime/transfer_keys.hpp"
#include "tools/soukctl/soukctl.hpp"

using namespace souk;

namespace {

const std::string& data_dir() {
  static fuzz::scratch_dir dir("soukctl");
  static const bool made = [] {
    session::in_memory_context ctx(fuzz::shop_opening(), 7);
    fuzz::stock_shop(ctx);
    const auto journey = fuzz::journey(ctx);
    persistence::journal::options o;
    o.dir = dir.str();
    o.initial_map_size = std::size_t{1} << 20;
    auto j = persistence::journal::open(o);
    SOUK_FUZZ_CHECK(j.has_value());
    for (const char* id : {"ana", "ben"}) {
      persistence::append_request r;
      r.session_id = id;
      for (v1::Event e : journey) {
        e.set_session_id(id);
        e.set_event_id(std::string(id) + "-" + e.event_id());
        r.events.push_back(persistence::encode(e));
      }
      SOUK_FUZZ_CHECK((*j)->append(std::move(r)).has_value());
    }
    SOUK_FUZZ_CHECK(runtime::load_transfer_keys(dir.str(), {}, true).has_value());
    return true;
  }();
  (void)made;
  return dir.path.native();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  data_dir();
  (void)std::freopen("/dev/null", "r", stdin);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const commands[] = {"sessions", "state", "history", "diff", "why",
                                         "verify",   "export", "help", "frobnicate"};
  static const char* const words[] = {"ana",       "ben",      "--at",     "--version", "--since",
                                      "--limit",   "--customer", "--threads", "--to",   "--reason",
                                      "--json",    "-5m",      "-1d",      "12",        "0",
                                      "-999999999d", "2026-03-20T10:00:00Z", "--help"};
  static const std::set<std::string> where = {"--data-dir", "--url", "--key"};
  FuzzedDataProvider in(data, size);
  std::vector<std::string> args{"soukctl", "--data-dir", data_dir()};
  if (in.ConsumeBool()) args.push_back("--json");
  args.push_back(commands[in.ConsumeIntegralInRange<size_t>(0, std::size(commands) - 1)]);
  for (int n = in.ConsumeIntegralInRange<int>(0, 6); n > 0; --n) {
    std::string a = in.ConsumeBool() ? words[in.ConsumeIntegralInRange<size_t>(0, std::size(words) - 1)]
                                     : in.ConsumeRandomLengthString(80);
    if (where.count(a)) continue;
    args.push_back(std::move(a));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  auto* cout_buffer = std::cout.rdbuf(out.rdbuf());
  auto* cerr_buffer = std::cerr.rdbuf(err.rdbuf());
  const int code = soukctl_main(static_cast<int>(args.size()), argv.data());
  std::cout.rdbuf(cout_buffer);
  std::cerr.rdbuf(cerr_buffer);
  SOUK_FUZZ_CHECK(code >= 0 && code <= 4);
  if (code >= 2) SOUK_FUZZ_CHECK(!err.str().empty());
  return 0;
}
