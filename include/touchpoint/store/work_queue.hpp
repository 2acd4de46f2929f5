#pragma once
// The engine's side of the store: claiming due steps and recording what they produced.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <touchpoint/core/id.hpp>
#include <touchpoint/core/ports.hpp>
#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/sequence.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::store {

// A step that is due, with what the engine needs to carry it out.
struct DueStep {
  core::StepRunId id;
  core::EnrollmentId enrollment;
  int position = 0;
  bool last = false;  // the sequence's last step
  core::Timestamp due_at{};
  core::SequenceVersionId version;
  core::ProspectId prospect;
  core::UserId owner;
  std::string zone;
};

// What a task-creating step puts in the owner's queue.
struct NewTask {
  // Only what the step itself decides is written when a task opens: the title
  // (core::task_title), the note (the step's note personalized) and the due date (due_at in
  // the enrollment's zone) are made when the task is read (TaskRepository), from the step,
  // the prospect and the owner, so a claim stays one narrow write.
  core::StepType type = core::StepType::task;  // email: a manual email
  std::string subject;                         // manual emails
  std::string body;                            // manual emails
};

// The email a threaded step replies to: the nearest earlier email step of the enrollment.
struct ThreadParent {
  std::string message_id;               // empty: a manual email whose sent message is unknown
  std::vector<std::string> references;  // the parent's own References, oldest first
  std::string subject;
  std::string html;  // as actually sent
  core::Timestamp date{};
  std::string from_name;
  std::string from_email;
};

// One claimed batch: a single transaction. Destroying it without commit() rolls everything
// back, as if nothing had been claimed.
class WorkBatch {
 public:
  virtual ~WorkBatch() = default;
  virtual const std::vector<DueStep>& steps() const = 0;
  // The step's prospect. The first call reads the prospects of every step of the batch, in
  // one query. Throws when the row is gone, which the claim rules out.
  virtual const core::Prospect& prospect(const DueStep& step) = 0;
  // The step becomes an open task in the owner's queue.
  virtual void open_task(const DueStep& step, const NewTask& task) = 0;
  // The step's email joins the outgoing queue (state `queued`). Like the steps' state changes,
  // it is written when the batch commits, all of the batch's at once.
  virtual void queue_message(const DueStep& step, core::OutgoingMessage message) = 0;
  // The step is excluded from sending, with its cause ("missing_field:industry").
  virtual void exclude(const DueStep& step, const std::string& cause) = 0;
  virtual std::optional<ThreadParent> thread_parent(core::EnrollmentId enrollment,
                                                    int position) = 0;
  virtual void commit() = 0;
};

class WorkQueue {
 public:
  virtual ~WorkQueue() = default;
  // Claims up to `limit` steps due at or before `now`, in due order: steps of active
  // enrollments (or paused ones whose pause has ended) that no earlier open task holds back
  // (rule 8). Returns an empty batch when nothing is due.
  virtual std::unique_ptr<WorkBatch> claim(core::Timestamp now, std::size_t limit) = 0;
};

}  // namespace touchpoint::store
