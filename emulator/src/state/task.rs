//! Processing tasks: a task's status over time, and applying the results of finished ones.

use super::sample;
use super::{FrameTags, Platform, Task, TaskProgress, TaskState};

impl Task {
    /// The status at `now_ms`.
    pub fn status_at(&self, now_ms: i64) -> TaskState {
        match &self.progress {
            TaskProgress::Fixed {
                status,
                progress,
                err_code,
                err_msg,
            } => TaskState {
                status: match status.as_str() {
                    "SUCCESS" => "SUCCESS",
                    "FAIL" => "FAIL",
                    _ => "PROCESSING",
                },
                progress: *progress,
                err_code: *err_code,
                err_msg: err_msg.clone(),
            },
            TaskProgress::Timed {
                start_ms,
                duration_ms,
            } => {
                let elapsed = now_ms.saturating_sub(*start_ms).max(0);
                if elapsed >= *duration_ms {
                    TaskState {
                        status: "SUCCESS",
                        progress: 100,
                        err_code: None,
                        err_msg: None,
                    }
                } else {
                    TaskState {
                        status: "PROCESSING",
                        progress: (elapsed.saturating_mul(100) / (*duration_ms).max(1)).min(99),
                        err_code: None,
                        err_msg: None,
                    }
                }
            }
        }
    }
}

impl Platform {
    /// Applies the results of processing tasks that have succeeded by `now_ms`: marks the AI
    /// results available and, for a full analysis, adds the AI frame tags.
    pub(crate) fn settle(&mut self, now_ms: i64) {
        let done: Vec<(String, String, i64)> = self
            .tasks
            .values()
            .filter(|t| !t.applied && t.status_at(now_ms).status == "SUCCESS")
            .filter_map(|t| Some((t.task_id.clone(), t.material_id.clone()?, t.definition?)))
            .collect();
        for (task_id, material_id, definition) in done {
            if let Some(task) = self.tasks.get_mut(&task_id) {
                task.applied = true;
            }
            let Some(material) = self.materials.get_mut(&material_id) else {
                continue;
            };
            if material.ai_definitions.insert(definition) && definition == sample::FULL_ANALYSIS {
                let index = material.frame_tags.get_or_insert_with(FrameTags::default);
                index.items.retain(|item| item.manual);
                index.items.extend(sample::ai_frame_tags(
                    &material.material_id,
                    material.facts.duration,
                ));
                index.items.sort_by(|a, b| a.start.total_cmp(&b.start));
                index.version += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Owner;

    #[test]
    fn timed_tasks_progress_then_succeed() {
        let task = Task {
            task_id: "t".into(),
            owner: Owner::Person("u".into()),
            task_type: None,
            project_id: None,
            material_id: None,
            definition: Some(20),
            progress: TaskProgress::Timed {
                start_ms: 1000,
                duration_ms: 1000,
            },
            applied: false,
            create_time: 0,
            seq: 0,
        };
        assert_eq!(task.status_at(1500).status, "PROCESSING");
        assert_eq!(task.status_at(1500).progress, 50);
        assert_eq!(task.status_at(2000).status, "SUCCESS");
    }
}
