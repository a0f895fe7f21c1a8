#include "runtime/transfer_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <openssl/rand.h>

namespace souk::runtime {

session::result<session::transfer_keys> load_transfer_keys(
    const std::string& data_dir, const std::vector<std::string>& configured, bool create) {
  if (auto parsed = session::transfer_keys::parse(configured); !parsed)
    return make_unexpected(parsed.error());
  for (const auto& entry : configured)
    if (entry.rfind("local:", 0) == 0)
      return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                           "transfer key id \"local\" is the data directory's own key; "
                           "name configured keys otherwise");
  const std::string path = (std::filesystem::path(data_dir) / local_transfer_key_file).string();
  auto failed = [&](const std::string& what) {
    return session::fail(v1::ERROR_CODE_STORAGE_FAILURE, path + ": " + what);
  };
  std::string hex;
  std::error_code missing;
  if (std::filesystem::exists(path, missing)) {
    // There: read it, or fail. Never made anew over one that cannot be read, which
    // would leave every transfer sealed with the old key unreadable.
    std::ifstream in(path);
    if (!in || !std::getline(in, hex)) return failed("cannot be read");
  } else if (missing) {
    return failed(missing.message());
  } else if (!create) {
    return failed("missing (the node makes it on its first start)");
  } else {
    unsigned char secret[32];
    if (RAND_bytes(secret, sizeof secret) != 1) return failed("no randomness to make a key");
    static constexpr char digits[] = "0123456789abcdef";
    for (unsigned char b : secret) hex += {digits[b >> 4], digits[b & 0xF]};
    std::error_code ignored;
    std::filesystem::create_directories(data_dir, ignored);
    // Written whole under another name, then renamed: a crash leaves no half key.
    const std::string temporary = path + ".new";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return failed(std::strerror(errno));
    const std::string line = hex + "\n";
    const bool written =
        ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), path.c_str()) != 0)
      return failed("cannot be written");
  }
  // The local key goes last: configured keys sign when there are any.
  auto entries = configured;
  entries.push_back("local:" + hex);
  auto keys = session::transfer_keys::parse(entries);
  if (!keys) return failed("not a key of 64 hex digits");
  return keys;
}

}  // namespace souk::runtime
