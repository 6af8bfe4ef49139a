// core/message.cpp: names of message kinds and statuses.
#include "core/message.h"

namespace consim {

std::string_view to_string(MsgKind k) {
  switch (k) {
    case MsgKind::client_get: return "client_get";
    case MsgKind::client_put: return "client_put";
    case MsgKind::client_delete: return "client_delete";
    case MsgKind::client_reply: return "client_reply";
    case MsgKind::append: return "append";
    case MsgKind::append_reply: return "append_reply";
    case MsgKind::heartbeat: return "heartbeat";
    case MsgKind::heartbeat_reply: return "heartbeat_reply";
    case MsgKind::install_snapshot: return "install_snapshot";
    case MsgKind::request_vote: return "request_vote";
    case MsgKind::vote_reply: return "vote_reply";
    case MsgKind::read_query: return "read_query";
    case MsgKind::read_reply: return "read_reply";
    case MsgKind::repair: return "repair";
    case MsgKind::replica_write: return "replica_write";
    case MsgKind::replica_write_ack: return "replica_write_ack";
    case MsgKind::replica_read: return "replica_read";
    case MsgKind::replica_read_reply: return "replica_read_reply";
    case MsgKind::sync: return "sync";
    case MsgKind::sync_reply: return "sync_reply";
  }
  return "?";
}

std::string_view to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::not_found: return "not_found";
    case Status::not_leader: return "not_leader";
    case Status::timeout: return "timeout";
    case Status::behind: return "behind";
    case Status::reject: return "reject";
  }
  return "?";
}

bool is_client_request(MsgKind k) {
  return k == MsgKind::client_get || k == MsgKind::client_put ||
         k == MsgKind::client_delete;
}

}  // namespace consim
