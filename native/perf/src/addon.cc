// N-API binding of perf_event_open counting (Linux). The TypeScript loader
// (src/main/engine/trace/counters/perf-event-addon.ts) chooses the events, and
// perf-event-counters.ts scales the raw (value, enabled, running) readings and words the reasons
// users see. The sampling thread's functions are in sampler_binding.cc.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "perf_group.h"

namespace {

using edgescope::EventSpec;
using edgescope::ProcessCounters;

const napi_type_tag kCountersTag = {0x6564676573636f70ULL, 0x6570657266677270ULL};

ProcessCounters* countersArg(const Napi::CallbackInfo& info) {
  return edgescope::countersFromHandle(info.Env(), info.Length() < 1 ? info.Env().Undefined() : info[0]);
}

double numberField(Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("event.") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 18446744073709551615.0)) throw Napi::RangeError::New(o.Env(), std::string("event.") + key + " out of range");
  return d;
}

// open(pid, groups: {type, config, kernel}[][]) -> { handle, threads, status: {opened, userOnly, errno, code, message}[][] }
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) throw Napi::TypeError::New(env, "open(pid, groups)");
  const int pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) throw Napi::RangeError::New(env, "pid must be positive");
  Napi::Array groupsIn = info[1].As<Napi::Array>();
  std::vector<std::vector<EventSpec>> groups;
  for (uint32_t g = 0; g < groupsIn.Length(); ++g) {
    Napi::Value gv = groupsIn.Get(g);
    if (!gv.IsArray()) throw Napi::TypeError::New(env, "each group must be an array of events");
    Napi::Array eventsIn = gv.As<Napi::Array>();
    std::vector<EventSpec> events;
    for (uint32_t e = 0; e < eventsIn.Length(); ++e) {
      Napi::Value ev = eventsIn.Get(e);
      if (!ev.IsObject()) throw Napi::TypeError::New(env, "each event must be an object");
      Napi::Object o = ev.As<Napi::Object>();
      events.push_back({static_cast<uint32_t>(numberField(o, "type")), static_cast<uint64_t>(numberField(o, "config")), o.Get("kernel").ToBoolean().Value()});
    }
    groups.push_back(std::move(events));
  }
  auto counters = std::make_unique<ProcessCounters>(pid, groups);
  Napi::Array status = Napi::Array::New(env, groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    Napi::Array row = Napi::Array::New(env, groups[g].size());
    for (size_t e = 0; e < groups[g].size(); ++e) {
      const edgescope::EventStatus& st = counters->status()[g][e];
      Napi::Object o = Napi::Object::New(env);
      o.Set("opened", st.opened);
      o.Set("userOnly", st.userOnly);
      if (!st.opened) {
        o.Set("errno", st.error);
        o.Set("code", edgescope::errnoName(st.error));
        o.Set("message", std::strerror(st.error));
      }
      row.Set(static_cast<uint32_t>(e), o);
    }
    status.Set(static_cast<uint32_t>(g), row);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("threads", static_cast<double>(counters->threadCount()));
  result.Set("rowWidth", static_cast<double>(3 + counters->maxGroupSize()));
  result.Set("status", status);
  auto handle = Napi::External<ProcessCounters>::New(env, counters.release(), [](Napi::Env, ProcessCounters* c) { delete c; });
  handle.TypeTag(&kCountersTag);
  result.Set("handle", handle);
  return result;
}

// read(handle) -> Float64Array of rows [group, enabled ns, running ns, value...] (raw, unscaled)
Napi::Value Read(const Napi::CallbackInfo& info) {
  ProcessCounters* counters = countersArg(info);
  std::vector<double> rows;
  counters->read(rows);
  Napi::Float64Array out = Napi::Float64Array::New(info.Env(), rows.size());
  if (!rows.empty()) std::memcpy(out.Data(), rows.data(), rows.size() * sizeof(double));
  return out;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  countersArg(info)->close();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("close", Napi::Function::New(env, Close));
  edgescope::exportSampler(env, exports);
  return exports;
}

}  // namespace

edgescope::ProcessCounters* edgescope::countersFromHandle(const Napi::Env& env, const Napi::Value& handle) {
  if (!handle.IsExternal() || !handle.As<Napi::External<ProcessCounters>>().CheckTypeTag(&kCountersTag)) {
    throw Napi::TypeError::New(env, "expected a handle returned by open()");
  }
  return handle.As<Napi::External<ProcessCounters>>().Data();
}

NODE_API_MODULE(edgescope_perf, Init)
