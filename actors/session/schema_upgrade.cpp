#include "schema_upgrade.hpp"

#include <string>

namespace souk::session {
namespace {

// v1 money was US cents in a bare int64; v2 is Money. A v1 record that already carries
// Money (written by a v2 build in compatibility mode) keeps it.
template <class Priced>
void upgrade_v1_price(Priced& priced) {
  if (priced.v1_unit_price_cents() != 0 && !priced.has_unit_price()) {
    priced.mutable_unit_price()->set_minor_units(priced.v1_unit_price_cents());
    priced.mutable_unit_price()->set_currency("USD");
  }
  priced.clear_v1_unit_price_cents();
}

std::optional<v1::Error> check_version(uint32_t version, const std::string& what) {
  if (version == 0)
    return make_error(v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION,
                      what + " has no schema version; refusing to guess its layout");
  if (version > current_schema_version)
    return make_error(v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION,
                      what + " has schema version " + std::to_string(version) +
                          "; this build reads versions up to " +
                          std::to_string(current_schema_version) + ": upgrade souk");
  return std::nullopt;
}

}  // namespace

std::optional<v1::Error> upgrade_event(v1::Event& event) {
  if (auto error = check_version(event.schema_version(),
                                 "event " + event.session_id() + "#" +
                                     std::to_string(event.seq())))
    return error;
  if (event.schema_version() == 1 && event.has_cart_item_added())
    upgrade_v1_price(*event.mutable_cart_item_added());
  event.set_schema_version(current_schema_version);
  return std::nullopt;
}

std::optional<v1::Error> upgrade_state(v1::SessionState& state) {
  if (auto error = check_version(state.schema_version(),
                                 "snapshot of session " + state.session_id() + " at v" +
                                     std::to_string(state.version())))
    return error;
  if (state.schema_version() == 1) {
    // Touch only what is there: a mutable_*() call would create an empty submessage,
    // and the upgraded snapshot must equal what a live session would hold.
    if (state.has_cart())
      for (auto& line : *state.mutable_cart()->mutable_lines()) upgrade_v1_price(line);
    if (state.has_committed())
      for (auto& line : *state.mutable_committed()->mutable_lines()) upgrade_v1_price(line);
  }
  state.set_schema_version(current_schema_version);
  return std::nullopt;
}

}  // namespace souk::session
