// What the N-API files share: addon.cc (perf_event_open counters) and sampler_binding.cc (the
// sampling thread, which reads those counters too).
#pragma once

#include <napi.h>

#include "perf_group.h"

namespace edgescope {

// The counters behind a handle returned by open(); throws a TypeError for anything else.
ProcessCounters* countersFromHandle(const Napi::Env& env, const Napi::Value& handle);

// Adds startSampling, drainSampling, markSampling, stopSampling and runningSamplingThreads.
void exportSampler(Napi::Env env, Napi::Object exports);

}  // namespace edgescope
