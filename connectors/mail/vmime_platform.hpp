#pragma once
// Private to touchpoint::mail: the one place that installs vmime's global platform handler.

namespace touchpoint::mail::detail {

// Installs vmime's POSIX platform handler on the first call; later calls do nothing. Every
// function of this component that uses vmime calls it first. Thread-safe.
void ensure_vmime_platform();

}  // namespace touchpoint::mail::detail
