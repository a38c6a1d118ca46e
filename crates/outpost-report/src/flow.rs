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
use crate::logic::{Expression, Scope};
use crate::validate::is_blank;

/// The state of a form over one set of answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Flow {
    /// Steps not asked, by id.
    pub hidden_steps: BTreeSet<String>,
    /// Questions not asked (their own condition or their step's), by id.
    pub hidden_fields: BTreeSet<String>,
    /// Questions asked whose answer is needed for a complete report (a
    /// repeat: at least one entry).
    pub required: BTreeSet<String>,
    /// The value of every relevant calculated field (`null` when it comes to nothing).
    pub calculated: Map<String, Json>,
    /// The options offered, for each asked choice with a `choice_filter`.
    pub options: BTreeMap<String, Vec<String>>,
    /// For each asked repeat, what each of its entries asks, in order.
    pub entries: BTreeMap<String, Vec<EntryFlow>>,
    /// For each asked repeat with a `repeat_count`, how many entries it is to have.
    pub counts: BTreeMap<String, usize>,
    /// The answers as the form sees them: hidden ones gone, calculations in.
    #[serde(skip)]
    pub effective: Map<String, Json>,
    /// Each field of a repeat, with its repeat.
    #[serde(skip)]
    pub(crate) repeat_of: HashMap<String, String>,
}

/// What one entry of a repeat asks: as [`Flow`], for the repeat's fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntryFlow {
    /// The entry's key as stored (empty for an entry not yet stored).
    pub entry: String,
    pub hidden_fields: BTreeSet<String>,
    pub required: BTreeSet<String>,
    pub calculated: Map<String, Json>,
    pub options: BTreeMap<String, Vec<String>>,
}

/// The key of an entry in its answers (as [`crate::ReportDoc::answers`]
/// gives it); not a field.
pub const ENTRY_KEY: &str = "_entry";

/// The most entries a `repeat_count` asks for (a count typed with a slip
/// must not make thousands of empty entries).
pub const MAX_COUNT: usize = 500;

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
    /// Repeats whose entries change (an answer cleared, calculated or
    /// narrowed inside an entry), with their entries as they become.
    pub entries: Vec<(String, Json)>,
}

impl Settlement {
    pub fn is_empty(&self) -> bool {
        self.cleared.is_empty()
            && self.calculated.is_empty()
            && self.narrowed.is_empty()
            && self.entries.is_empty()
    }
}

/// A step or a field, by position in its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Step(usize),
    Field(usize),
}

/// The order in which a form's logic is worked out.
pub(crate) struct Plan {
    /// Steps and the fields outside repeats (a repeat stands for all of
    /// its entries' fields), each after everything it reads.
    pub outer: Vec<Node>,
    /// For each repeat (by field index), its fields (by field index) in
    /// the order one entry is worked out.
    pub inner: HashMap<usize, Vec<usize>>,
}

/// Orders `count` nodes so each comes after the nodes `edges` names,
/// or names a circle. Depth-first, iteratively (a long chain of
/// calculations must not blow the stack), marking nodes in progress.
fn topological(
    count: usize,
    edges: impl Fn(usize) -> Vec<usize>,
    name: impl Fn(usize) -> String,
) -> Result<Vec<usize>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; count];
    let mut out = Vec::with_capacity(count);
    for start in 0..count {
        if marks[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, edges(start))];
        marks[start] = Mark::Open;
        while let Some((node, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(next) => match marks[next] {
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
                        marks[next] = Mark::Open;
                        let further = edges(next);
                        stack.push((next, further));
                    }
                },
                None => {
                    let done = *node;
                    marks[done] = Mark::Done;
                    out.push(done);
                    stack.pop();
                }
            }
        }
    }
    Ok(out)
}

/// The plan of `form`: each node comes after everything its relevance,
/// requirement, calculation, choice filter and repeat count read. A field
/// also comes after its step, whose relevance it inherits. Outside its
/// repeat, a field of a repeat is the repeat (`sum(${age})` waits for
/// every entry). Constraints read but decide nothing another expression
/// sees, so they add no edge.
pub(crate) fn order(form: &Form) -> Result<Plan, String> {
    let field_index: HashMap<&str, usize> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    // Each field of a repeat, with its repeat's index.
    let mut repeat_of: Vec<Option<usize>> = vec![None; form.fields.len()];
    for (r, f) in form.fields.iter().enumerate() {
        if let FieldKind::Repeat { fields, .. } = &f.kind {
            for m in fields {
                if let Some(&i) = field_index.get(m.as_str()) {
                    repeat_of[i] = Some(r);
                }
            }
        }
    }
    let mut step_of = vec![None; form.fields.len()];
    for (s, step) in form.steps.iter().enumerate() {
        for id in &step.fields {
            if let Some(&i) = field_index.get(id.as_str()) {
                step_of[i] = Some(s);
            }
        }
    }
    let expressions = |f: &'_ Field| -> Vec<Expression> {
        let count = match &f.kind {
            FieldKind::Repeat { count, .. } => count.clone(),
            _ => None,
        };
        [
            &f.relevant,
            &f.required_when,
            &f.calculate,
            &f.choice_filter,
            &count,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    };
    let reads = |es: &[Expression]| -> Vec<usize> {
        es.iter()
            .flat_map(|e| e.fields())
            .filter_map(|id| field_index.get(id).copied())
            .collect()
    };
    // Outer nodes: steps first, then fields; a field of a repeat is never
    // an outer node of its own.
    let steps = form.steps.len();
    let outer_node = |i: usize| steps + repeat_of[i].unwrap_or(i);
    let outer_edges = |n: usize| -> Vec<usize> {
        if n < steps {
            return reads(form.steps[n].relevant.as_slice())
                .into_iter()
                .map(outer_node)
                .collect();
        }
        let i = n - steps;
        let f = &form.fields[i];
        let mut own: Vec<&Field> = vec![f];
        if matches!(f.kind, FieldKind::Repeat { .. }) {
            own.extend(form.members(f));
        }
        let mut out: Vec<usize> = step_of[i].into_iter().collect();
        for g in own {
            out.extend(
                reads(&expressions(g))
                    .into_iter()
                    .filter(|&j| repeat_of[j] != Some(i))
                    .map(outer_node),
            );
        }
        out
    };
    let name = |n: usize| {
        if n < steps {
            format!("step {:?}", form.steps[n].id)
        } else {
            format!("field {:?}", form.fields[n - steps].id)
        }
    };
    let outer = topological(steps + form.fields.len(), outer_edges, name)?
        .into_iter()
        .filter(|&n| n < steps || repeat_of[n - steps].is_none())
        .map(|n| {
            if n < steps {
                Node::Step(n)
            } else {
                Node::Field(n - steps)
            }
        })
        .collect();
    let mut inner = HashMap::new();
    for (r, f) in form.fields.iter().enumerate() {
        if !matches!(f.kind, FieldKind::Repeat { .. }) {
            continue;
        }
        let members: Vec<usize> = form
            .members(f)
            .filter_map(|m| field_index.get(m.id.as_str()).copied())
            .collect();
        let local = |j: usize| members.iter().position(|&m| m == j);
        let ordered = topological(
            members.len(),
            |k| {
                reads(&expressions(&form.fields[members[k]]))
                    .into_iter()
                    .filter_map(local)
                    .collect()
            },
            |k| format!("field {:?}", form.fields[members[k]].id),
        )?;
        inner.insert(r, ordered.into_iter().map(|k| members[k]).collect());
    }
    Ok(Plan { outer, inner })
}

/// What an expression of a form reads: the answers as settled so far,
/// the entry being worked out (inside a repeat), the answer being checked
/// (in a constraint) and the option being filtered (in a choice_filter).
pub(crate) struct FormScope<'a> {
    /// Each field of a repeat, with its repeat.
    pub repeat_of: &'a HashMap<String, String>,
    pub answers: &'a Map<String, Json>,
    pub entry: Option<Entry<'a>>,
    pub current: Option<&'a Json>,
    pub choice: Option<&'a Choice>,
    pub now: &'a str,
}

/// One entry of a repeat, being worked out.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'a> {
    pub repeat: &'a str,
    /// From 0.
    pub index: usize,
    pub answers: &'a Map<String, Json>,
}

impl FormScope<'_> {
    /// The entries of `repeat` as settled so far, the one being worked out
    /// as it now stands.
    fn entries(&self, repeat: &str) -> Vec<Option<&Map<String, Json>>> {
        let items = match self.answers.get(repeat) {
            Some(Json::Array(items)) => items.as_slice(),
            _ => &[],
        };
        items
            .iter()
            .enumerate()
            .map(|(k, item)| match self.entry {
                Some(e) if e.repeat == repeat && e.index == k => Some(e.answers),
                _ => item.as_object(),
            })
            .collect()
    }
}

impl Scope for FormScope<'_> {
    fn answer(&self, field: &str) -> Option<Json> {
        match self.repeat_of.get(field) {
            // This entry's own answer.
            Some(r) if self.entry.is_some_and(|e| e.repeat == r) => {
                self.entry.and_then(|e| e.answers.get(field).cloned())
            }
            // Another repeat's field, read as one value: its first entry's
            // (XPath's string value of a node-set).
            Some(r) => self
                .entries(r)
                .first()
                .and_then(|e| e.and_then(|e| e.get(field).cloned())),
            None => self.answers.get(field).cloned(),
        }
    }

    fn current(&self) -> Option<Json> {
        self.current.cloned()
    }

    fn now(&self) -> String {
        self.now.to_string()
    }

    fn column(&self, name: &str) -> Option<String> {
        let choice = self.choice?;
        if name == "name" {
            return Some(choice.value.clone());
        }
        choice.filter.get(name).cloned()
    }

    fn values(&self, field: &str) -> Vec<Option<Json>> {
        if self.repeat_of.values().any(|r| r == field) {
            return self
                .entries(field)
                .into_iter()
                .map(|e| e.map(|m| Json::Object(m.clone())))
                .collect();
        }
        if let Some(r) = self.repeat_of.get(field) {
            return self
                .entries(r)
                .into_iter()
                .map(|e| e.and_then(|e| e.get(field).cloned()))
                .collect();
        }
        // Any other field is one node, answered or not.
        vec![self.answers.get(field).cloned()]
    }

    fn position(&self) -> Option<usize> {
        self.entry.map(|e| e.index + 1)
    }

    fn entry_answer(&self, repeat: &str, n: usize, field: &str) -> Option<Json> {
        self.entries(repeat)
            .get(n.checked_sub(1)?)
            .copied()
            .flatten()?
            .get(field)
            .cloned()
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

/// The offered options of a choice with a filter, and its answer with
/// what is no longer offered taken out (`Some(None)`: nothing is left).
fn narrow<'a>(
    filter: &Expression,
    options: &'a [Choice],
    answer: Option<&Json>,
    scope: &mut FormScope<'a>,
) -> (Vec<String>, Option<Option<Json>>) {
    let mut offered = Vec::new();
    for choice in options {
        scope.choice = Some(choice);
        if filter.holds(&*scope) {
            offered.push(choice.value.clone());
        }
    }
    scope.choice = None;
    // An answer no longer offered counts as not given.
    let kept = answer.map(|answer| match answer {
        Json::String(v) => offered.contains(v).then(|| answer.clone()),
        Json::Array(items) => {
            let items: Vec<Json> = items
                .iter()
                .filter(|i| i.as_str().is_some_and(|v| offered.iter().any(|o| o == v)))
                .cloned()
                .collect();
            (!items.is_empty()).then_some(Json::Array(items))
        }
        _ => Some(answer.clone()),
    });
    (offered, kept)
}

/// What one field comes to over the answers so far: asked or not, the
/// options it offers, its calculated value and whether it is needed.
struct Worked {
    asked: bool,
    options: Option<Vec<String>>,
    /// `Some(None)`: the answer is taken out; `Some(Some(v))`: it becomes `v`.
    answer: Option<Option<Json>>,
    calculated: Option<Json>,
    needed: bool,
}

impl Worked {
    fn not_asked() -> Worked {
        Worked {
            asked: false,
            options: None,
            answer: Some(None),
            calculated: None,
            needed: false,
        }
    }
}

fn work_out<'a>(field: &'a Field, answer: Option<&Json>, scope: &mut FormScope<'a>) -> Worked {
    let holds =
        |e: &Option<Expression>, scope: &FormScope<'_>| e.as_ref().is_none_or(|e| e.holds(scope));
    if !holds(&field.relevant, scope) {
        return Worked::not_asked();
    }
    let mut worked = Worked {
        asked: true,
        options: None,
        answer: None,
        calculated: None,
        needed: false,
    };
    if let (Some(filter), FieldKind::Choice { options } | FieldKind::Choices { options }) =
        (&field.choice_filter, &field.kind)
    {
        let (offered, kept) = narrow(filter, options, answer, scope);
        worked.options = Some(offered);
        worked.answer = kept;
    }
    if let Some(calculation) = &field.calculate {
        let value = as_answer(field, calculation.evaluate(&*scope));
        worked.answer = Some((!value.is_null()).then(|| value.clone()));
        worked.calculated = Some(value);
    }
    worked.needed = field.required
        || field
            .required_when
            .as_ref()
            .is_some_and(|_| holds(&field.required_when, scope));
    worked
}

/// Where what a field comes to is kept: the report's own sets in [`Flow`],
/// or one entry's in [`EntryFlow`].
struct Level<'a> {
    hidden: &'a mut BTreeSet<String>,
    required: &'a mut BTreeSet<String>,
    calculated: &'a mut Map<String, Json>,
    options: &'a mut BTreeMap<String, Vec<String>>,
}

impl Worked {
    /// Keeps what field `id` came to in `level`; whether it is asked.
    fn record(self, id: &str, level: Level<'_>) -> bool {
        if !self.asked {
            level.hidden.insert(id.to_string());
            return false;
        }
        if let Some(offered) = self.options {
            level.options.insert(id.to_string(), offered);
        }
        if let Some(value) = self.calculated {
            level.calculated.insert(id.to_string(), value);
        }
        if self.needed {
            level.required.insert(id.to_string());
        }
        true
    }
}

fn apply(answers: &mut Map<String, Json>, id: &str, change: Option<Option<Json>>) {
    match change {
        Some(Some(v)) => {
            answers.insert(id.to_string(), v);
        }
        Some(None) => {
            answers.remove(id);
        }
        None => {}
    }
}

impl Flow {
    /// The flow of `form` over `answers`, at `now` (RFC 3339, for `today()`/`now()`).
    pub fn of(form: &Form, answers: &Map<String, Json>, now: &str) -> Flow {
        // A loaded form has been checked for circles; should one slip
        // through, form order still gives an answer rather than none.
        let plan = order(form).unwrap_or_else(|_| Plan {
            outer: (0..form.steps.len())
                .map(Node::Step)
                .chain(
                    (0..form.fields.len())
                        .filter(|&i| form.repeat_of(&form.fields[i].id).is_none())
                        .map(Node::Field),
                )
                .collect(),
            inner: (0..form.fields.len())
                .map(|r| {
                    let ids: Vec<usize> = form
                        .members(&form.fields[r])
                        .filter_map(|m| form.fields.iter().position(|g| g.id == m.id))
                        .collect();
                    (r, ids)
                })
                .collect(),
        });
        let repeat_of = form
            .in_repeats()
            .into_iter()
            .map(|(m, r)| (m.to_string(), r.to_string()))
            .collect();
        let mut step_of: HashMap<&str, usize> = HashMap::new();
        for (s, step) in form.steps.iter().enumerate() {
            for id in &step.fields {
                step_of.insert(id.as_str(), s);
            }
        }
        let mut flow = Flow {
            effective: answers.clone(),
            repeat_of,
            ..Flow::default()
        };
        let mut step_asked = vec![true; form.steps.len()];
        for node in plan.outer {
            match node {
                Node::Step(s) => {
                    let step = &form.steps[s];
                    step_asked[s] = step
                        .relevant
                        .as_ref()
                        .is_none_or(|e| e.holds(&flow.scope(None, now)));
                    if !step_asked[s] {
                        flow.hidden_steps.insert(step.id.clone());
                    }
                }
                Node::Field(i) => {
                    let field = &form.fields[i];
                    let in_step = step_of
                        .get(field.id.as_str())
                        .is_none_or(|&s| step_asked[s]);
                    let mut worked = if in_step {
                        let answer = flow.effective.get(&field.id).cloned();
                        work_out(field, answer.as_ref(), &mut flow.scope(None, now))
                    } else {
                        Worked::not_asked()
                    };
                    apply(&mut flow.effective, &field.id, worked.answer.take());
                    let level = Level {
                        hidden: &mut flow.hidden_fields,
                        required: &mut flow.required,
                        calculated: &mut flow.calculated,
                        options: &mut flow.options,
                    };
                    if !worked.record(&field.id, level) {
                        continue;
                    }
                    if let FieldKind::Repeat { count, .. } = &field.kind {
                        if let Some(count) = count {
                            let n = count.evaluate(&flow.scope(None, now)).number();
                            let n = if n.is_finite() && n > 0.0 {
                                (n as usize).min(MAX_COUNT)
                            } else {
                                0
                            };
                            flow.counts.insert(field.id.clone(), n);
                        }
                        let members = plan.inner.get(&i).map(Vec::as_slice).unwrap_or(&[]);
                        flow.work_out_entries(form, field, members, now);
                    }
                }
            }
        }
        flow
    }

    /// What an expression outside any entry reads.
    fn scope<'a>(&'a self, entry: Option<Entry<'a>>, now: &'a str) -> FormScope<'a> {
        FormScope {
            repeat_of: &self.repeat_of,
            answers: &self.effective,
            entry,
            current: None,
            choice: None,
            now,
        }
    }

    /// Works out each entry of `repeat` in turn, its fields in `members`
    /// order, each entry's answers settled in place before the next.
    fn work_out_entries(&mut self, form: &Form, repeat: &Field, members: &[usize], now: &str) {
        let count = match self.effective.get(&repeat.id) {
            Some(Json::Array(items)) if items.iter().all(Json::is_object) => items.len(),
            _ => return,
        };
        let mut flows = Vec::with_capacity(count);
        for index in 0..count {
            let mut entry = self.effective[&repeat.id][index]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let mut ef = EntryFlow {
                entry: entry
                    .get(ENTRY_KEY)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string(),
                ..EntryFlow::default()
            };
            for &m in members {
                let field = &form.fields[m];
                let answer = entry.get(&field.id).cloned();
                let mut worked = work_out(
                    field,
                    answer.as_ref(),
                    &mut self.scope(
                        Some(Entry {
                            repeat: &repeat.id,
                            index,
                            answers: &entry,
                        }),
                        now,
                    ),
                );
                apply(&mut entry, &field.id, worked.answer.take());
                worked.record(
                    &field.id,
                    Level {
                        hidden: &mut ef.hidden_fields,
                        required: &mut ef.required,
                        calculated: &mut ef.calculated,
                        options: &mut ef.options,
                    },
                );
            }
            if let Some(Json::Array(items)) = self.effective.get_mut(&repeat.id) {
                items[index] = Json::Object(entry);
            }
            flows.push(ef);
        }
        self.entries.insert(repeat.id.clone(), flows);
    }

    /// Whether `condition` holds for an answer `current` of a field (of
    /// entry `index` of `repeat`, for a field of a repeat), over the
    /// answers as this flow settled them.
    pub fn holds(
        &self,
        condition: &Expression,
        entry: Option<(&str, usize)>,
        current: Option<&Json>,
        now: &str,
    ) -> bool {
        let empty = Map::new();
        let entry = entry.map(|(repeat, index)| Entry {
            repeat,
            index,
            answers: self
                .effective
                .get(repeat)
                .and_then(Json::as_array)
                .and_then(|items| items.get(index))
                .and_then(Json::as_object)
                .unwrap_or(&empty),
        });
        let mut scope = self.scope(entry, now);
        scope.current = current;
        condition.holds(&scope)
    }

    /// The repeat whose entries ask `field`, if any.
    pub fn repeat_of(&self, field: &str) -> Option<&str> {
        self.repeat_of.get(field).map(String::as_str)
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
        // A repeat's entries as the form leaves them, where they differ.
        let entries = self
            .entries
            .keys()
            .filter_map(|id| {
                let old = answers.get(id)?;
                let now = self.effective.get(id)?;
                (old != now).then(|| (id.clone(), now.clone()))
            })
            .collect();
        Settlement {
            cleared,
            calculated,
            narrowed,
            entries,
        }
    }
}

/// Answers as they are after applying `settlement`.
pub fn settled(answers: &Map<String, Json>, settlement: &Settlement) -> Map<String, Json> {
    let mut out = answers.clone();
    for id in &settlement.cleared {
        out.remove(id);
    }
    for (id, v) in settlement
        .calculated
        .iter()
        .chain(&settlement.narrowed)
        .chain(&settlement.entries)
    {
        if v.is_null() {
            out.remove(id);
        } else {
            out.insert(id.clone(), v.clone());
        }
    }
    out
}
