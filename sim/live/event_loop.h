// sim/live/event_loop.h: an Asio io_context to own and run, for callers without Asio.
//
// A LiveCluster (cluster.h) runs on an io_context; tests and tools that do
// not include Asio themselves own one through an EventLoop and run it for a
// while. Not thread-safe: run it from one thread.
#pragma once

#include <functional>
#include <memory>

#include "core/types.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace consim::live {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  boost::asio::io_context& io();
  // Runs handlers for `wall` nanoseconds of real time, or until the loop has no work.
  void run_for(Time wall);
  // Runs handlers until done() is true (checked after each handler) or
  // `limit` nanoseconds have passed; returns done().
  bool run_until(const std::function<bool()>& done, Time limit);

 private:
  std::unique_ptr<boost::asio::io_context> io_;
};

}  // namespace consim::live
