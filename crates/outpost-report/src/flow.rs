//! What a form asks, given the answers so far: which steps and questions are
//! relevant, which answers are needed now, and what the calculations come to.
//!
//! This is the one place the form logic is applied. Validation (CLI, app,
//! hub-side checks), the app's debrief and plain form, and the read-back all
//! ask [`Flow::of`]; the interface never evaluates an expression itself.
//!
//! As in ODK, a question that is not relevant is not asked, not required, and
//! its answer counts as blank for every other expression; a step that is not
//! relevant hides all of its questions. Expressions are evaluated in an order
//! where everything an expression reads is settled first (a form whose logic
//! goes round in a circle is refused when it is loaded), so one pass suffices.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::form::{Choice, Field, FieldKind, Form};
use crate::logic::{Answers, Expression, Scope};
use crate::validate::is_blank;

/// The state of a form over one set of answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Flow {
    /// Steps not asked, by id.
    pub hidden_steps: BTreeSet<String>,
    /// Questions not asked (their own condition or their step's), by id.
    pub hidden_fields: BTreeSet<String>,
    /// Questions asked whose answer is needed for a complete report.
    pub required: BTreeSet<String>,
    /// The value of every relevant calculated field (`null` when it comes to nothing).
    pub calculated: Map<String, Json>,
    /// The options offered, for each asked choice with a `choice_filter`.
    pub options: BTreeMap<String, Vec<String>>,
    /// The answers as the form sees them: hidden ones gone, calculations in.
    #[serde(skip)]
    pub effective: Map<String, Json>,
}

/// What to change in a report's answers so they agree with its form's logic.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Settlement {
    /// Answers to questions that are no longer asked: they are removed.
    pub cleared: Vec<String>,
    /// Calculated answers whose value changed (`null`: now blank).
    pub calculated: Vec<(String, Json)>,
    /// Choices whose answer is no longer offered, with what remains of it
    /// (`null`: nothing).
    pub narrowed: Vec<(String, Json)>,
}

impl Settlement {
    pub fn is_empty(&self) -> bool {
        self.cleared.is_empty() && self.calculated.is_empty() && self.narrowed.is_empty()
    }
}

/// A step or a field, by position in its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Step(usize),
    Field(usize),
}

/// The nodes of `form` in an order where each comes after everything its
/// relevance, requirement and calculation read. A field also comes after its
/// step, whose relevance it inherits. Constraints read but decide nothing
/// another expression sees, so they add no edge.
pub(crate) fn order(form: &Form) -> Result<Vec<Node>, String> {
    let field_index: HashMap<&str, usize> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut step_of = vec![None; form.fields.len()];
    for (s, step) in form.steps.iter().enumerate() {
        for id in &step.fields {
            if let Some(&i) = field_index.get(id.as_str()) {
                step_of[i] = Some(s);
            }
        }
    }
    let reads = |e: &Option<Expression>| -> Vec<Node> {
        e.iter()
            .flat_map(|e| e.fields())
            .filter_map(|id| field_index.get(id).map(|&i| Node::Field(i)))
            .collect()
    };
    let edges = |node: Node| -> Vec<Node> {
        match node {
            Node::Step(s) => reads(&form.steps[s].relevant),
            Node::Field(i) => {
                let f = &form.fields[i];
                let mut out: Vec<Node> = step_of[i].map(Node::Step).into_iter().collect();
                for e in [
                    &f.relevant,
                    &f.required_when,
                    &f.calculate,
                    &f.choice_filter,
                ] {
                    out.extend(reads(e));
                }
                out
            }
        }
    };
    let name = |node: Node| match node {
        Node::Step(s) => format!("step {:?}", form.steps[s].id),
        Node::Field(i) => format!("field {:?}", form.fields[i].id),
    };
    // Depth-first, iteratively (a long chain of calculations must not blow
    // the stack), marking nodes in progress to find a circle.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let nodes: Vec<Node> = (0..form.steps.len())
        .map(Node::Step)
        .chain((0..form.fields.len()).map(Node::Field))
        .collect();
    let slot = |n: Node| match n {
        Node::Step(s) => s,
        Node::Field(i) => form.steps.len() + i,
    };
    let mut marks = vec![Mark::New; nodes.len()];
    let mut out = Vec::with_capacity(nodes.len());
    for &start in &nodes {
        if marks[slot(start)] != Mark::New {
            continue;
        }
        let mut stack: Vec<(Node, Vec<Node>)> = vec![(start, edges(start))];
        marks[slot(start)] = Mark::Open;
        while let Some((node, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(next) => match marks[slot(next)] {
                    Mark::Done => {}
                    Mark::Open => {
                        let at = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let circle: Vec<String> = stack[at..]
                            .iter()
                            .map(|(n, _)| name(*n))
                            .chain([name(next)])
                            .collect();
                        return Err(format!(
                            "the form's logic goes round in a circle: {}",
                            circle.join(" → ")
                        ));
                    }
                    Mark::New => {
                        marks[slot(next)] = Mark::Open;
                        let further = edges(next);
                        stack.push((next, further));
                    }
                },
                None => {
                    let done = *node;
                    marks[slot(done)] = Mark::Done;
                    out.push(done);
                    stack.pop();
                }
            }
        }
    }
    Ok(out)
}

/// What a choice_filter reads: the answers, and the columns of one option.
struct ChoiceScope<'a> {
    answers: &'a Map<String, Json>,
    now: &'a str,
    choice: &'a Choice,
}

impl Scope for ChoiceScope<'_> {
    fn answer(&self, field: &str) -> Option<Json> {
        self.answers.get(field).cloned()
    }

    fn now(&self) -> String {
        self.now.to_string()
    }

    fn column(&self, name: &str) -> Option<String> {
        if name == "name" {
            return Some(self.choice.value.clone());
        }
        self.choice.filter.get(name).cloned()
    }
}

/// A calculation's value as the answer of a field of `field`'s kind.
fn as_answer(field: &Field, value: crate::logic::Value) -> Json {
    match field.kind {
        FieldKind::Integer { .. } | FieldKind::Decimal { .. } => {
            let n = value.number();
            if !n.is_finite() {
                Json::Null
            } else if n.fract() == 0.0 && n.abs() < 9e15 {
                Json::from(n as i64)
            } else {
                serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
            }
        }
        _ => match value.text() {
            t if t.is_empty() => Json::Null,
            t => Json::String(t),
        },
    }
}

impl Flow {
    /// The flow of `form` over `answers`, at `now` (RFC 3339, for `today()`/`now()`).
    pub fn of(form: &Form, answers: &Map<String, Json>, now: &str) -> Flow {
        // A loaded form has been checked for circles; should one slip
        // through, form order still gives an answer rather than none.
        let order = order(form).unwrap_or_else(|_| {
            (0..form.steps.len())
                .map(Node::Step)
                .chain((0..form.fields.len()).map(Node::Field))
                .collect()
        });
        let mut step_of: HashMap<&str, usize> = HashMap::new();
        for (s, step) in form.steps.iter().enumerate() {
            for id in &step.fields {
                step_of.insert(id.as_str(), s);
            }
        }
        let mut flow = Flow {
            effective: answers.clone(),
            ..Flow::default()
        };
        let mut step_asked = vec![true; form.steps.len()];
        let holds = |e: &Option<Expression>, effective: &Map<String, Json>| {
            e.as_ref().is_none_or(|e| {
                e.holds(&Answers {
                    answers: effective,
                    current: None,
                    now: now.to_string(),
                })
            })
        };
        for node in order {
            match node {
                Node::Step(s) => {
                    let step = &form.steps[s];
                    step_asked[s] = holds(&step.relevant, &flow.effective);
                    if !step_asked[s] {
                        flow.hidden_steps.insert(step.id.clone());
                    }
                }
                Node::Field(i) => {
                    let field = &form.fields[i];
                    let in_step = step_of
                        .get(field.id.as_str())
                        .is_none_or(|&s| step_asked[s]);
                    if !in_step || !holds(&field.relevant, &flow.effective) {
                        flow.effective.remove(&field.id);
                        flow.hidden_fields.insert(field.id.clone());
                        continue;
                    }
                    if let (
                        Some(filter),
                        FieldKind::Choice { options } | FieldKind::Choices { options },
                    ) = (&field.choice_filter, &field.kind)
                    {
                        let offered: Vec<String> = options
                            .iter()
                            .filter(|choice| {
                                filter.holds(&ChoiceScope {
                                    answers: &flow.effective,
                                    now,
                                    choice,
                                })
                            })
                            .map(|c| c.value.clone())
                            .collect();
                        // An answer no longer offered counts as not given.
                        if let Some(answer) = flow.effective.get(&field.id) {
                            let kept = match answer {
                                Json::String(v) => offered.contains(v).then(|| answer.clone()),
                                Json::Array(items) => {
                                    let items: Vec<Json> = items
                                        .iter()
                                        .filter(|i| {
                                            i.as_str()
                                                .is_some_and(|v| offered.iter().any(|o| o == v))
                                        })
                                        .cloned()
                                        .collect();
                                    (!items.is_empty()).then_some(Json::Array(items))
                                }
                                _ => Some(answer.clone()),
                            };
                            match kept {
                                Some(v) => {
                                    flow.effective.insert(field.id.clone(), v);
                                }
                                None => {
                                    flow.effective.remove(&field.id);
                                }
                            }
                        }
                        flow.options.insert(field.id.clone(), offered);
                    }
                    if let Some(calculation) = &field.calculate {
                        let value = as_answer(
                            field,
                            calculation.evaluate(&Answers {
                                answers: &flow.effective,
                                current: None,
                                now: now.to_string(),
                            }),
                        );
                        if value.is_null() {
                            flow.effective.remove(&field.id);
                        } else {
                            flow.effective.insert(field.id.clone(), value.clone());
                        }
                        flow.calculated.insert(field.id.clone(), value);
                    }
                    let needed = field.required
                        || field
                            .required_when
                            .as_ref()
                            .is_some_and(|_| holds(&field.required_when, &flow.effective));
                    if needed {
                        flow.required.insert(field.id.clone());
                    }
                }
            }
        }
        flow
    }

    pub fn asks(&self, field: &str) -> bool {
        !self.hidden_fields.contains(field)
    }

    /// What to change in `answers` so they agree with this flow.
    pub fn settlement(&self, answers: &Map<String, Json>) -> Settlement {
        let cleared = answers
            .iter()
            .filter(|(id, v)| self.hidden_fields.contains(*id) && !is_blank(v))
            .map(|(id, _)| id.clone())
            .collect();
        // A choice whose answer is no longer offered keeps what still is.
        let narrowed = self
            .options
            .keys()
            .filter_map(|id| {
                let old = answers.get(id).filter(|v| !is_blank(v))?;
                let now = self.effective.get(id).cloned().unwrap_or(Json::Null);
                (old != &now).then(|| (id.clone(), now))
            })
            .collect();
        let calculated = self
            .calculated
            .iter()
            .filter(|(id, v)| match answers.get(*id) {
                None => !v.is_null(),
                Some(old) => old != *v,
            })
            .map(|(id, v)| (id.clone(), v.clone()))
            .collect();
        Settlement {
            cleared,
            calculated,
            narrowed,
        }
    }
}

/// Answers as they are after applying `settlement`.
pub fn settled(answers: &Map<String, Json>, settlement: &Settlement) -> Map<String, Json> {
    let mut out = answers.clone();
    for id in &settlement.cleared {
        out.remove(id);
    }
    for (id, v) in settlement.calculated.iter().chain(&settlement.narrowed) {
        if v.is_null() {
            out.remove(id);
        } else {
            out.insert(id.clone(), v.clone());
        }
    }
    out
}
