#include "vmime_platform.hpp"

#include <mutex>

#include <vmime/platform.hpp>
#include <vmime/platforms/posix/posixHandler.hpp>

namespace touchpoint::mail::detail {

void ensure_vmime_platform() {
  static std::once_flag once;
  std::call_once(once,
                 [] { vmime::platform::setHandler<vmime::platforms::posix::posixHandler>(); });
}

}  // namespace touchpoint::mail::detail
