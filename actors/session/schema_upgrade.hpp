#pragma once

#include <cstdint>
#include <optional>

#include "errors.hpp"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"

namespace souk::session {

/// The schema version this build writes. Readers accept 1..current and upgrade older
/// records in memory; anything newer is refused (an older binary must not guess).
/// History (schemas/README.md): v1 priced cart lines as bare US cents
/// (`v1_unit_price_cents`); v2 uses Money with an explicit currency.
inline constexpr uint32_t current_schema_version = 2;

/// Brings an event to the current schema in place. Fails, leaving it unchanged, on a
/// missing (0) or newer-than-known version.
std::optional<v1::Error> upgrade_event(v1::Event& event);

/// The same for a snapshot.
std::optional<v1::Error> upgrade_state(v1::SessionState& state);

}  // namespace souk::session
