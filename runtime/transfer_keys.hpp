#pragma once

// The keys a node seals and checks StateTransfers with (session::transfer_keys): the
// ones its config names (gateway.transfer-keys, "ID:HEX"; the first signs), then the
// key of its data directory, which every node makes for itself on first start. A
// transfer exported on one node is accepted by another only if they share a key.
#include <string>
#include <vector>

#include "session/transfer.hpp"

namespace souk::runtime {

/// File in the data directory holding its own key: 64 hex digits, mode 0600.
inline constexpr const char* local_transfer_key_file = "transfer.key";

/// `configured` keys, then the data directory's own (id "local"; created with 32 random
/// bytes when missing and `create`). INVALID_ARGUMENT names a bad configured entry;
/// STORAGE_FAILURE a key file that cannot be read or made.
session::result<session::transfer_keys> load_transfer_keys(
    const std::string& data_dir, const std::vector<std::string>& configured, bool create);

}  // namespace souk::runtime
