// sim/live/event_loop.cpp: the io_context behind an EventLoop (event_loop.h).
#include "sim/live/event_loop.h"

#include <chrono>

#include <boost/asio/io_context.hpp>

namespace consim::live {

EventLoop::EventLoop() : io_(std::make_unique<boost::asio::io_context>()) {}
EventLoop::~EventLoop() = default;

boost::asio::io_context& EventLoop::io() { return *io_; }

void EventLoop::run_for(Time wall) {
  io_->restart();
  io_->run_for(std::chrono::nanoseconds(wall));
}

bool EventLoop::run_until(const std::function<bool()>& done, Time limit) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(limit);
  io_->restart();
  while (!done() && std::chrono::steady_clock::now() < end) {
    if (io_->run_one_until(end) == 0) break;
  }
  return done();
}

}  // namespace consim::live
