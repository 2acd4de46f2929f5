// The API and add-in payloads: the Gmail draft's raw message parsed back by Python's email
// package, the Graph requests and the Office.js arguments; input errors; the JSON answer.

#include <catch2/catch.hpp>

#include <string>

#include <touchpoint/compose/compose.hpp>

#include "compose_samples.hpp"
#include "python_decoder.hpp"

using touchpoint::compose::Client;
using touchpoint::compose::compose_for;
using touchpoint::compose::ComposeInput;
using touchpoint::compose::ComposeResult;
using touchpoint::compose::Json;
using namespace touchpoint::compose::test;
namespace core = touchpoint::core;
namespace compose = touchpoint::compose;

namespace {

ComposeResult compose_ok(const ComposeInput& in, Client client) {
  auto r = compose_for(in, client);
  if (!r) FAIL(r.error().message);
  return *r;
}

std::string error_of(const ComposeInput& in, Client client) {
  auto r = compose_for(in, client);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == core::ErrorCode::invalid_input);
  return r.error().message;
}

}  // namespace

TEST_CASE("the Gmail draft's raw message parses back to the task's headers and body", "[unit]") {
  const auto sample = korean();
  const auto r = compose_ok(sample.input, Client::gmail);
  REQUIRE(r.gmail_draft);
  const Json& draft = *r.gmail_draft;
  CHECK(draft["method"] == "POST");
  CHECK(draft["path"] == "/gmail/v1/users/me/drafts");
  const Json& message = draft["body"]["message"];
  CHECK_FALSE(message.contains("threadId"));
  CHECK_FALSE(draft.contains("resolve_thread"));
  const std::string raw = message["raw"].get<std::string>();
  CHECK(raw.find_first_of("+/") == std::string::npos);  // base64url, not base64

  const auto parsed = parse_gmail_raw(raw);
  INFO(parsed.dump(2));
  CHECK(parsed["defects"].empty());
  const auto& h = parsed["headers"];
  CHECK(h["Subject"] == korean_subject());
  CHECK(parsed["to"].size() == 1);
  CHECK(parsed["to"][0]["name"] == "김민준");
  CHECK(parsed["to"][0]["address"] == "minjun.kim@example.kr");
  CHECK(h["From"] == "박지수 <rep.jisoo@touchpoint.test>");
  CHECK(h["In-Reply-To"].is_null());
  CHECK(h["References"].is_null());
  CHECK(h["Date"] == "Mon, 30 Nov 2026 09:30:00 +0000");
  CHECK_THAT(h["Message-ID"].get<std::string>(),
             Catch::StartsWith("<tp.task.41.") && Catch::EndsWith("@touchpoint.test>"));
  REQUIRE(parsed["parts"].size() == 2);
  CHECK(parsed["parts"][0]["type"] == "text/plain");
  CHECK(parsed["parts"][0]["content"] == sample.text);
  CHECK(parsed["parts"][1]["type"] == "text/html");
  CHECK(parsed["parts"][1]["content"] == sample.input.html);
}

TEST_CASE("a threaded Gmail draft carries threadId, In-Reply-To, References and Re:", "[unit]") {
  auto in = swedish_threaded();
  in.reply_to->gmail_thread_id = "18c2f0a9b7e4d311";
  const auto r = compose_ok(in, Client::gmail);
  const Json& draft = *r.gmail_draft;
  CHECK(draft["body"]["message"]["threadId"] == "18c2f0a9b7e4d311");
  CHECK_FALSE(draft.contains("resolve_thread"));

  const auto parsed = parse_gmail_raw(draft["body"]["message"]["raw"].get<std::string>());
  INFO(parsed.dump(2));
  const auto& h = parsed["headers"];
  CHECK(h["Subject"] == "Re: " + in.reply_to->subject);
  CHECK(h["In-Reply-To"] == "<tp.40.77aa+x@touchpoint.test>");
  CHECK(h["References"] ==
        "<CAH7x+Ok3Yq=3Qm8e5@mail.gmail.com> <tp.39.1b2c@touchpoint.test> "
        "<tp.40.77aa+x@touchpoint.test>");
  CHECK(parsed["to"][0]["name"] == "Åsa Lindström");
  CHECK(parsed["to"][0]["address"] == "asa+q3&co=1#x%y@example.se");
  CHECK(parsed["parts"][0]["content"] == swedish().text);

  SECTION("an unknown threadId comes with the search that finds it") {
    in.reply_to->gmail_thread_id.clear();
    const auto unresolved = compose_ok(in, Client::gmail);
    const Json& d = *unresolved.gmail_draft;
    CHECK_FALSE(d["body"]["message"].contains("threadId"));
    REQUIRE(d.contains("resolve_thread"));
    CHECK(d["resolve_thread"]["method"] == "GET");
    const auto decoded = decode_urls(
        {"https://gmail.googleapis.com" + d["resolve_thread"]["path"].get<std::string>()});
    CHECK(decoded[0]["path"] == "/gmail/v1/users/me/messages");
    CHECK(decoded[0]["query_pct"]["q"][0] == "rfc822msgid:tp.40.77aa+x@touchpoint.test");
  }
}

TEST_CASE("a threaded step whose earlier Message-ID is unknown starts a new conversation",
          "[unit]") {
  auto in = swedish().input;
  in.reply_to = compose::ReplyTo{};
  in.reply_to->subject = "Re: SV: Uppföljning";
  const auto r = compose_ok(in, Client::gmail);
  const auto parsed =
      parse_gmail_raw((*r.gmail_draft)["body"]["message"]["raw"].get<std::string>());
  CHECK(parsed["headers"]["Subject"] == "Re: Uppföljning");
  CHECK(parsed["headers"]["In-Reply-To"].is_null());
  CHECK_FALSE(r.gmail_draft->contains("resolve_thread"));
  CHECK_THAT(r.note, Catch::Contains("Message-ID is unknown"));
}

TEST_CASE("Microsoft Graph: a new draft, or createReply on a threaded step", "[unit]") {
  const auto sample = swedish();
  const auto fresh = compose_ok(sample.input, Client::outlook);
  REQUIRE(fresh.graph_request);
  const Json expected = {
      {"method", "POST"},
      {"path", "/me/messages"},
      {"body",
       {{"subject", sample.input.subject},
        {"body", {{"contentType", "HTML"}, {"content", sample.input.html}}},
        {"toRecipients",
         Json::array({{{"emailAddress",
                        {{"address", sample.input.to_email}, {"name", "Åsa Lindström"}}}}})}}}};
  CHECK(*fresh.graph_request == expected);
  CHECK((*fresh.graph_request)["body"]["toRecipients"][0]["emailAddress"]["address"] ==
        sample.input.to_email);

  auto in = swedish_threaded();
  const auto unresolved = compose_ok(in, Client::outlook);
  const Json& g = *unresolved.graph_request;
  CHECK(g["method"] == "POST");
  CHECK(g["path"] == "/me/messages/{id}/createReply");
  CHECK(g["body"] == Json{{"comment", in.html}});
  const auto decoded = decode_urls(
      {"https://graph.microsoft.com/v1.0" + g["resolve_id"]["path"].get<std::string>()});
  CHECK(decoded[0]["path"] == "/v1.0/me/messages");
  CHECK(decoded[0]["query_pct"]["$filter"][0] ==
        "internetMessageId eq '<tp.40.77aa+x@touchpoint.test>'");
  CHECK(decoded[0]["query_pct"]["$select"][0] == "id,conversationId");

  in.reply_to->graph_message_id = "AAMkAGI2T/x+y=";
  const auto known = compose_ok(in, Client::outlook_live);
  CHECK((*known.graph_request)["path"] == "/me/messages/AAMkAGI2T%2Fx+y=/createReply");
  CHECK_FALSE(known.graph_request->contains("resolve_id"));
}

TEST_CASE("Office.js: displayNewMessageForm, or displayReplyForm on a threaded step", "[unit]") {
  const auto sample = korean();
  const auto fresh = compose_ok(sample.input, Client::outlook);
  REQUIRE(fresh.office_js);
  const Json expected = {
      {"method", "displayNewMessageForm"},
      {"args",
       {{"toRecipients",
         Json::array({{{"displayName", "김민준"}, {"emailAddress", "minjun.kim@example.kr"}}})},
        {"subject", korean_subject()},
        {"htmlBody", sample.input.html}}}};
  CHECK(*fresh.office_js == expected);
  CHECK((*fresh.office_js)["args"]["toRecipients"][0]["emailAddress"] == "minjun.kim@example.kr");

  const auto in = swedish_threaded();
  const auto reply = compose_ok(in, Client::outlook);
  CHECK(*reply.office_js == Json{{"method", "displayReplyForm"},
                                 {"args", {{"htmlBody", in.html}}},
                                 {"reply_to", "<tp.40.77aa+x@touchpoint.test>"}});

  auto big = sample.input;
  big.html = std::string(compose::kOfficeJsBodyLimit + 1, 'x');
  CHECK_THAT(compose_ok(big, Client::outlook).note, Catch::Contains("graph_request"));
}

TEST_CASE("each client gets only the payloads that fit it, in the bridge's JSON", "[unit]") {
  const auto in = swedish().input;
  const Json gmail = compose::to_json(compose_ok(in, Client::gmail));
  std::vector<std::string> keys;
  for (const auto& item : gmail.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"client", "url", "too_long", "note", "gmail_draft",
                                         "graph_request", "office_js"});
  CHECK(gmail["client"] == "gmail");
  CHECK(gmail["note"].is_null());
  CHECK(gmail["gmail_draft"].is_object());
  CHECK(gmail["graph_request"].is_null());
  CHECK(gmail["office_js"].is_null());

  const Json outlook = compose::to_json(compose_ok(in, Client::outlook_live));
  CHECK(outlook["client"] == "outlook_live");
  CHECK(outlook["gmail_draft"].is_null());
  CHECK(outlook["graph_request"].is_object());
  CHECK(outlook["office_js"].is_object());

  const Json mailto = compose::to_json(compose_ok(in, Client::mailto));
  CHECK(mailto["gmail_draft"].is_null());
  CHECK(mailto["graph_request"].is_null());
  CHECK(mailto["office_js"].is_null());
}

TEST_CASE("client names parse both ways", "[unit]") {
  for (Client c : {Client::gmail, Client::outlook, Client::outlook_live, Client::mailto})
    CHECK(compose::parse_client(compose::to_string(c)) == c);
  CHECK(compose::parse_client("office") == Client::outlook);
  CHECK(compose::parse_client("live") == Client::outlook_live);
  CHECK_FALSE(compose::parse_client("Gmail"));
  CHECK_FALSE(compose::parse_client(""));
}

TEST_CASE("bad input is refused with the field named", "[unit]") {
  auto in = swedish().input;
  in.to_email = "";
  CHECK_THAT(error_of(in, Client::mailto), Catch::StartsWith("to_email: is empty"));
  in.to_email = "asa@example.se\r\nBcc: x@evil.test";
  CHECK_THAT(error_of(in, Client::gmail), Catch::StartsWith("to_email:"));
  in.to_email = "no-at-sign.example.se";
  CHECK_THAT(error_of(in, Client::outlook), Catch::Contains("not an email address"));

  in = swedish().input;
  in.from_email = "";
  CHECK_THAT(error_of(in, Client::gmail), Catch::StartsWith("from_email: is empty"));
  CHECK(compose_for(in, Client::mailto));  // mailto needs no sender

  in = swedish_threaded();
  in.reply_to->message_id = "tp.40 x@touchpoint.test";
  CHECK_THAT(error_of(in, Client::gmail), Catch::StartsWith("reply_to.message_id:"));
  in = swedish_threaded();
  in.reply_to->references.push_back("a>b@x");
  CHECK_THAT(error_of(in, Client::outlook), Catch::StartsWith("reply_to.references:"));
}

TEST_CASE("a manual email task becomes compose input, and other tasks are refused", "[unit]") {
  core::Task task;
  task.id = core::TaskId{7};
  task.type = core::StepType::email;
  task.prospect_email = "asa@example.se";
  task.prospect_name = "Åsa Lindström";
  task.owner_email = "anna.berg@touchpoint.test";
  task.subject = "Hej";
  task.body = "<p>Hej</p>";
  auto in = compose::input_from_task(task, std::nullopt, "Anna Berg", sample_date());
  REQUIRE(in);
  CHECK(in->task == task.id);
  CHECK(in->from_email == task.owner_email);
  CHECK(in->from_name == "Anna Berg");
  CHECK(in->to_email == "asa@example.se");
  CHECK(in->to_name == "Åsa Lindström");
  CHECK(in->subject == "Hej");
  CHECK(in->html == "<p>Hej</p>");
  CHECK(in->date == sample_date());
  CHECK_FALSE(in->reply_to);

  task.prospect_name = task.prospect_email;  // the queue shows the address when unnamed
  CHECK(compose::input_from_task(task, std::nullopt, "", sample_date())->to_name.empty());

  task.type = core::StepType::call;
  auto refused = compose::input_from_task(task, std::nullopt, "", sample_date());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == core::ErrorCode::invalid_input);
  CHECK_THAT(refused.error().message, Catch::StartsWith("type: task 7 is not a manual email"));
}
