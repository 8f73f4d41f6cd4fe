// The e-mail notifier: one plain-text message per report (a sync run, a watch interval, a pause
// or a resume), sent through SMTP with libcurl. Bounded in time (a dead server costs at most
// kEmailTimeout), and its errors never carry the password (it is read from password_env at send
// time and handed to curl only).
#pragma once

#include <chrono>
#include <string>

#include "config/notifier_config.h"
#include "util/result.h"
#include "util/time_format.h"

namespace imgsync::notify {

struct RunSummary;

inline constexpr std::chrono::seconds kEmailTimeout{15};

// "imgsync: 3 files failed uploading to s3://b/p", "imgsync: uploads to s3://b/p resumed"...
std::string email_subject(const RunSummary& summary);

// The RFC 5322 message: Date, From, To, Message-ID, Subject, MIME headers, then the text body;
// CRLF line endings, no bare CR or LF from file names or errors in headers or body.
std::string format_email(const config::NotifierConfig& notifier, const RunSummary& summary,
                         SystemTime now, const std::string& message_id);

// Sends it. The Error's message names the server by host:port only.
Status send_email(const config::NotifierConfig& notifier, const RunSummary& summary);

}  // namespace imgsync::notify
