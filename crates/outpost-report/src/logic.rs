//! Form logic: the expressions of XLSForm and ODK forms (`relevant`,
//! `constraint`, `required`, `calculation`, `default`, `choice_filter`),
//! parsed once when a form is loaded and evaluated over a report's answers.
//!
//! The language is the XPath subset those forms use: `${field}` references,
//! `.` (the answer being checked), numbers and quoted strings, arithmetic
//! (`+ - * div mod`), comparisons (`= != < <= > >=`), `and`/`or`, and
//! functions (`not`, `selected`, `count-selected`, `if`, `coalesce`,
//! `concat`, `string-length`, `regex`, `int`, `round`, `today`, `now`,
//! `true`, `false`, `string`, `number`, `boolean`). Values follow XPath 1.0:
//! an unanswered field is the empty string, which is no number (NaN) and
//! false; comparing with a number compares as numbers.
//!
//! Everything is bounded: an expression is at most [`MAX_SOURCE`] characters
//! and [`MAX_DEPTH`] levels deep, a regular expression is size-limited, and
//! evaluation is one walk of the parsed tree. Nothing here panics on any
//! input; a malformed expression is an error that names its position.

use std::fmt;

use serde_json::Value as Json;

/// The longest expression accepted, in characters.
pub const MAX_SOURCE: usize = 4096;
/// The deepest nesting of an expression (parentheses, calls, operators).
pub const MAX_DEPTH: usize = 64;
/// The largest compiled regular expression, in bytes.
const MAX_REGEX: usize = 64 * 1024;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    source: String,
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Number(f64),
    Text(String),
    Field(String),
    Current,
    /// `position(..)`: the place of the entry being evaluated in its repeat.
    Position,
    /// A column of the choice being filtered (`region` in a choice_filter).
    Column(String),
    Negate(Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

impl Node {
    /// Whether this node or any below it passes `is_it`.
    fn any(&self, is_it: &dyn Fn(&Node) -> bool) -> bool {
        is_it(self)
            || match self {
                Node::Negate(n) => n.any(is_it),
                Node::Binary(_, a, b) => a.any(is_it) || b.any(is_it),
                Node::Call(_, args) => args.iter().any(|a| a.any(is_it)),
                _ => false,
            }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Not,
    True,
    False,
    Selected,
    CountSelected,
    If,
    Coalesce,
    Concat,
    StringLength,
    Regex,
    Int,
    Round,
    Today,
    Now,
    String,
    Number,
    Boolean,
    Sum,
    Count,
    IndexedRepeat,
    Join,
}

impl Function {
    fn named(name: &str) -> Option<Function> {
        Some(match name {
            "not" => Function::Not,
            "true" => Function::True,
            "false" => Function::False,
            "selected" => Function::Selected,
            "count-selected" => Function::CountSelected,
            "if" => Function::If,
            "coalesce" => Function::Coalesce,
            "concat" => Function::Concat,
            "string-length" => Function::StringLength,
            "regex" => Function::Regex,
            "int" => Function::Int,
            "round" => Function::Round,
            "today" => Function::Today,
            "now" => Function::Now,
            "string" => Function::String,
            "number" => Function::Number,
            "boolean" => Function::Boolean,
            "sum" => Function::Sum,
            "count" => Function::Count,
            "indexed-repeat" => Function::IndexedRepeat,
            "join" => Function::Join,
            _ => return None,
        })
    }

    /// How many arguments it takes: at least, at most.
    fn arity(self) -> (usize, usize) {
        match self {
            Function::True | Function::False | Function::Today | Function::Now => (0, 0),
            Function::Not
            | Function::CountSelected
            | Function::StringLength
            | Function::Int
            | Function::String
            | Function::Number
            | Function::Boolean
            | Function::Sum
            | Function::Count => (1, 1),
            Function::Selected | Function::Regex | Function::Join => (2, 2),
            Function::Round => (1, 2),
            Function::If | Function::IndexedRepeat => (3, 3),
            Function::Coalesce => (2, 2),
            Function::Concat => (0, 64),
        }
    }
}

/// Why an expression was refused, and where (a character offset).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at character {at}")]
pub struct ExpressionError {
    pub at: usize,
    pub what: String,
}

fn refuse<T>(at: usize, what: impl Into<String>) -> Result<T, ExpressionError> {
    Err(ExpressionError {
        at,
        what: what.into(),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Text(String),
    Field(String),
    Name(String),
    Dot,
    /// `..`, in `position(..)`.
    Parent,
    Open,
    Close,
    Comma,
    Symbol(&'static str),
}

fn tokens(source: &str) -> Result<Vec<(usize, Token)>, ExpressionError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return refuse(i, "a field reference is written ${name}");
                }
                let end = chars[i + 2..]
                    .iter()
                    .position(|c| *c == '}')
                    .map(|p| i + 2 + p);
                let Some(end) = end else {
                    return refuse(i, "a field reference is not closed with }");
                };
                let name: String = chars[i + 2..end].iter().collect();
                let name = name.trim().to_string();
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
                {
                    return refuse(i, format!("\"{name}\" is not a field name"));
                }
                out.push((start, Token::Field(name)));
                i = end + 1;
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|q| *q == c)
                    .map(|p| i + 1 + p);
                let Some(end) = end else {
                    return refuse(i, "a text is not closed with its quote");
                };
                out.push((start, Token::Text(chars[i + 1..end].iter().collect())));
                i = end + 1;
            }
            '0'..='9' => {
                let mut end = i;
                while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
                    end += 1;
                }
                let text: String = chars[i..end].iter().collect();
                let Ok(n) = text.parse::<f64>() else {
                    return refuse(i, format!("\"{text}\" is not a number"));
                };
                out.push((start, Token::Number(n)));
                i = end;
            }
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                let mut end = i + 1;
                while end < chars.len() && chars[end].is_ascii_digit() {
                    end += 1;
                }
                let text: String = chars[i..end].iter().collect();
                out.push((start, Token::Number(text.parse().unwrap_or(f64::NAN))));
                i = end;
            }
            '.' if chars.get(i + 1) == Some(&'.') => {
                out.push((start, Token::Parent));
                i += 2;
            }
            '.' => {
                out.push((start, Token::Dot));
                i += 1;
            }
            '(' => {
                out.push((start, Token::Open));
                i += 1;
            }
            ')' => {
                out.push((start, Token::Close));
                i += 1;
            }
            ',' => {
                out.push((start, Token::Comma));
                i += 1;
            }
            '!' | '<' | '>' if chars.get(i + 1) == Some(&'=') => {
                out.push((
                    start,
                    Token::Symbol(match c {
                        '!' => "!=",
                        '<' => "<=",
                        _ => ">=",
                    }),
                ));
                i += 2;
            }
            '=' | '<' | '>' | '+' | '-' | '*' => {
                out.push((
                    start,
                    Token::Symbol(match c {
                        '=' => "=",
                        '<' => "<",
                        '>' => ">",
                        '+' => "+",
                        '-' => "-",
                        _ => "*",
                    }),
                ));
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = i;
                while end < chars.len()
                    && (chars[end].is_alphanumeric() || chars[end] == '_' || chars[end] == '-')
                {
                    end += 1;
                }
                out.push((start, Token::Name(chars[i..end].iter().collect())));
                i = end;
            }
            other => return refuse(i, format!("\"{other}\" is not part of an expression")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    end: usize,
    /// Bare names are columns of a choice (in a choice_filter only).
    columns: bool,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(at, _)| *at)
    }

    fn binary_op(&self) -> Option<Op> {
        Some(match self.peek()? {
            Token::Name(n) if n == "or" => Op::Or,
            Token::Name(n) if n == "and" => Op::And,
            Token::Name(n) if n == "div" => Op::Div,
            Token::Name(n) if n == "mod" => Op::Mod,
            Token::Symbol("=") => Op::Eq,
            Token::Symbol("!=") => Op::Ne,
            Token::Symbol("<") => Op::Lt,
            Token::Symbol("<=") => Op::Le,
            Token::Symbol(">") => Op::Gt,
            Token::Symbol(">=") => Op::Ge,
            Token::Symbol("+") => Op::Add,
            Token::Symbol("-") => Op::Sub,
            Token::Symbol("*") => Op::Mul,
            _ => return None,
        })
    }

    /// Precedence climbing, loosest first: or, and, equality, relation,
    /// additive, multiplicative (XPath 1.0).
    fn expression(&mut self, min: u8, depth: usize) -> Result<Node, ExpressionError> {
        if depth > MAX_DEPTH {
            return refuse(self.at(), "the expression nests too deeply");
        }
        let mut left = self.unary(depth + 1)?;
        while let Some(op) = self.binary_op() {
            let level = precedence(op);
            if level < min {
                break;
            }
            self.next += 1;
            let right = self.expression(level + 1, depth + 1)?;
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Node, ExpressionError> {
        if depth > MAX_DEPTH {
            return refuse(self.at(), "the expression nests too deeply");
        }
        if self.peek() == Some(&Token::Symbol("-")) {
            self.next += 1;
            return Ok(Node::Negate(Box::new(self.unary(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Node, ExpressionError> {
        let at = self.at();
        let Some((_, token)) = self.tokens.get(self.next).cloned() else {
            return refuse(at, "the expression ends too soon");
        };
        self.next += 1;
        match token {
            Token::Number(n) => Ok(Node::Number(n)),
            Token::Text(t) => Ok(Node::Text(t)),
            Token::Field(f) => Ok(Node::Field(f)),
            Token::Dot => Ok(Node::Current),
            Token::Open => {
                let inner = self.expression(0, depth + 1)?;
                self.expect_close()?;
                Ok(inner)
            }
            Token::Name(name) if name == "position" && self.peek() == Some(&Token::Open) => {
                self.next += 1;
                if self.peek() != Some(&Token::Parent) {
                    return refuse(
                        self.at(),
                        "position() is written position(..): the place of this entry",
                    );
                }
                self.next += 1;
                self.expect_close()?;
                Ok(Node::Position)
            }
            Token::Name(name) if self.peek() == Some(&Token::Open) => {
                let Some(function) = Function::named(&name) else {
                    return refuse(at, format!("{name}() is not a function Outpost knows"));
                };
                self.next += 1;
                let mut args = Vec::new();
                if self.peek() != Some(&Token::Close) {
                    loop {
                        args.push(self.expression(0, depth + 1)?);
                        if self.peek() == Some(&Token::Comma) {
                            self.next += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect_close()?;
                let (least, most) = function.arity();
                if args.len() < least || args.len() > most {
                    return refuse(
                        at,
                        format!(
                            "{name}() takes {} argument(s), not {}",
                            arity_text(least, most),
                            args.len()
                        ),
                    );
                }
                // These read every entry of a repeat: they take the field
                // itself, not a value worked out from it.
                let fields_at: &[usize] = match function {
                    Function::Sum | Function::Count => &[0],
                    Function::IndexedRepeat => &[0, 1],
                    Function::Join => &[1],
                    _ => &[],
                };
                if fields_at
                    .iter()
                    .any(|&i| !matches!(args.get(i), Some(Node::Field(_))))
                {
                    return refuse(
                        at,
                        format!("{name}() takes a field here (written ${{name}})"),
                    );
                }
                Ok(Node::Call(function, args))
            }
            Token::Name(name) if self.columns => Ok(Node::Column(name)),
            Token::Name(name) => refuse(
                at,
                format!("\"{name}\" is not a value (a field is written ${{{name}}})"),
            ),
            _ => refuse(at, "a value is expected here"),
        }
    }

    fn expect_close(&mut self) -> Result<(), ExpressionError> {
        if self.peek() == Some(&Token::Close) {
            self.next += 1;
            Ok(())
        } else {
            refuse(self.at(), "a closing parenthesis is expected here")
        }
    }
}

fn arity_text(least: usize, most: usize) -> String {
    if least == most {
        least.to_string()
    } else {
        format!("{least} to {most}")
    }
}

fn precedence(op: Op) -> u8 {
    match op {
        Op::Or => 1,
        Op::And => 2,
        Op::Eq | Op::Ne => 3,
        Op::Lt | Op::Le | Op::Gt | Op::Ge => 4,
        Op::Add | Op::Sub => 5,
        Op::Mul | Op::Div | Op::Mod => 6,
    }
}

impl Expression {
    /// Parses `source`, refusing a malformed expression with its position.
    pub fn parse(source: &str) -> Result<Expression, ExpressionError> {
        Expression::parse_with(source, false)
    }

    /// Parses a `choice_filter`: as [`Expression::parse`], and a bare name
    /// (`region`, `name`) reads that column of the choice being filtered.
    pub fn parse_filter(source: &str) -> Result<Expression, ExpressionError> {
        Expression::parse_with(source, true)
    }

    fn parse_with(source: &str, columns: bool) -> Result<Expression, ExpressionError> {
        if source.chars().count() > MAX_SOURCE {
            return refuse(
                MAX_SOURCE,
                format!("an expression is at most {MAX_SOURCE} characters"),
            );
        }
        let tokens = tokens(source)?;
        let mut parser = Parser {
            tokens,
            next: 0,
            end: source.chars().count(),
            columns,
        };
        let root = parser.expression(0, 0)?;
        if parser.next < parser.tokens.len() {
            return refuse(parser.at(), "the expression goes on after its end");
        }
        check_regexes(&root)?;
        Ok(Expression {
            source: source.to_string(),
            root,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The fields this expression reads, each once, in order of appearance.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        collect_fields(&self.root, &mut out);
        out
    }

    /// Whether this expression reads the answer being checked (`.`).
    pub fn reads_current(&self) -> bool {
        self.root.any(&|n| matches!(n, Node::Current))
    }

    /// Whether this expression reads the place of its entry (`position(..)`).
    pub fn reads_position(&self) -> bool {
        self.root.any(&|n| matches!(n, Node::Position))
    }

    /// The value of this expression over `scope`.
    pub fn evaluate(&self, scope: &dyn Scope) -> Value {
        evaluate(&self.root, scope)
    }

    /// Whether this expression holds over `scope` (XPath `boolean()`).
    pub fn holds(&self, scope: &dyn Scope) -> bool {
        self.evaluate(scope).truth()
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn collect_fields<'a>(node: &'a Node, out: &mut Vec<&'a str>) {
    match node {
        Node::Field(f) if !out.contains(&f.as_str()) => out.push(f),
        Node::Negate(n) => collect_fields(n, out),
        Node::Binary(_, a, b) => {
            collect_fields(a, out);
            collect_fields(b, out);
        }
        Node::Call(_, args) => args.iter().for_each(|a| collect_fields(a, out)),
        _ => {}
    }
}

/// A regular expression given as literal text is compiled when the form is
/// loaded, so a bad one is refused then, not when someone answers.
fn check_regexes(node: &Node) -> Result<(), ExpressionError> {
    match node {
        Node::Call(Function::Regex, args) => {
            if let Some(Node::Text(pattern)) = args.get(1)
                && compiled(pattern).is_none()
            {
                return refuse(
                    0,
                    format!("\"{pattern}\" is not a regular expression Outpost can use"),
                );
            }
            args.iter().try_for_each(check_regexes)
        }
        Node::Call(_, args) => args.iter().try_for_each(check_regexes),
        Node::Negate(n) => check_regexes(n),
        Node::Binary(_, a, b) => {
            check_regexes(a)?;
            check_regexes(b)
        }
        _ => Ok(()),
    }
}

fn compiled(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(MAX_REGEX)
        .dfa_size_limit(MAX_REGEX)
        .build()
        .ok()
}

/// What an expression reads: answers by field id, the answer being
/// checked, and the clock.
pub trait Scope {
    /// The answer of `field` (JSON as stored), `None` when unanswered.
    fn answer(&self, field: &str) -> Option<Json>;
    /// The answer being checked (`.`), in a constraint.
    fn current(&self) -> Option<Json> {
        None
    }
    /// Now, as RFC 3339 in UTC (`now()`); `today()` is its date.
    fn now(&self) -> String;
    /// A column of the choice being filtered, in a choice_filter.
    fn column(&self, _name: &str) -> Option<String> {
        None
    }
    /// Every value of `field`, as `sum()` and `count()` read it: one per
    /// entry for a field of a repeat (and for the repeat itself), else the
    /// one answer. Blank values are `None`.
    fn values(&self, field: &str) -> Vec<Option<Json>> {
        match self.answer(field) {
            Some(Json::Array(items)) if !items.is_empty() && items.iter().all(Json::is_object) => {
                items.into_iter().map(Some).collect()
            }
            other => vec![other],
        }
    }
    /// The place (from 1) of the entry being evaluated, inside a repeat.
    fn position(&self) -> Option<usize> {
        None
    }
    /// The answer of `field` in entry `n` (from 1) of `repeat`.
    fn entry_answer(&self, _repeat: &str, _n: usize, _field: &str) -> Option<Json> {
        None
    }
}

/// A value of the expression language.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
    Bool(bool),
}

impl Value {
    fn of_answer(answer: Option<Json>) -> Value {
        match answer {
            None | Some(Json::Null) => Value::Text(String::new()),
            Some(Json::Bool(b)) => Value::Bool(b),
            Some(Json::Number(n)) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Some(Json::String(s)) => Value::Text(s),
            // A multiple choice reads as its values separated by spaces,
            // as in ODK.
            Some(Json::Array(items)) => Value::Text(
                items
                    .iter()
                    .map(|i| match i {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Some(other @ Json::Object(_)) => Value::Text(other.to_string()),
        }
    }

    /// XPath `boolean()`.
    pub fn truth(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::Text(s) => !s.is_empty(),
        }
    }

    /// XPath `number()`.
    pub fn number(&self) -> f64 {
        match self {
            Value::Number(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Text(s) => {
                let t = s.trim();
                // A date or time compares as days since 1970-01-01, as ODK
                // compares `${when} < today()`.
                if let Some(days) = days_of(t) {
                    return days;
                }
                // XPath numbers: digits with an optional point and sign, no
                // exponent, no "inf" or "nan".
                let plain = !t.is_empty()
                    && t.trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.')
                    && t.chars().filter(|c| *c == '.').count() <= 1
                    && t.trim_start_matches('-') != ".";
                if plain {
                    t.parse().unwrap_or(f64::NAN)
                } else {
                    f64::NAN
                }
            }
        }
    }

    /// XPath `string()`.
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => number_text(*n),
        }
    }
}

/// Days since 1970-01-01 (UTC) of a date (`2026-05-01`) or an RFC 3339
/// date and time, with the time as a fraction of a day.
fn days_of(text: &str) -> Option<f64> {
    const DAY_MS: f64 = 86_400_000.0;
    if text.len() == 10 {
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        let midnight = date.and_hms_opt(0, 0, 0)?.and_utc();
        return Some(midnight.timestamp_millis() as f64 / DAY_MS);
    }
    let at = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(at.timestamp_millis() as f64 / DAY_MS)
}

fn number_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn evaluate(node: &Node, scope: &dyn Scope) -> Value {
    match node {
        Node::Number(n) => Value::Number(*n),
        Node::Text(t) => Value::Text(t.clone()),
        Node::Field(f) => Value::of_answer(scope.answer(f)),
        Node::Current => Value::of_answer(scope.current()),
        Node::Position => Value::Number(scope.position().map_or(f64::NAN, |p| p as f64)),
        Node::Column(c) => Value::Text(scope.column(c).unwrap_or_default()),
        Node::Negate(n) => Value::Number(-evaluate(n, scope).number()),
        Node::Binary(Op::Or, a, b) => {
            Value::Bool(evaluate(a, scope).truth() || evaluate(b, scope).truth())
        }
        Node::Binary(Op::And, a, b) => {
            Value::Bool(evaluate(a, scope).truth() && evaluate(b, scope).truth())
        }
        Node::Binary(op, a, b) => {
            let (a, b) = (evaluate(a, scope), evaluate(b, scope));
            match op {
                Op::Eq => Value::Bool(equal(&a, &b)),
                Op::Ne => Value::Bool(!equal(&a, &b)),
                Op::Lt => Value::Bool(a.number() < b.number()),
                Op::Le => Value::Bool(a.number() <= b.number()),
                Op::Gt => Value::Bool(a.number() > b.number()),
                Op::Ge => Value::Bool(a.number() >= b.number()),
                Op::Add => Value::Number(a.number() + b.number()),
                Op::Sub => Value::Number(a.number() - b.number()),
                Op::Mul => Value::Number(a.number() * b.number()),
                Op::Div => Value::Number(a.number() / b.number()),
                Op::Mod => Value::Number(a.number() % b.number()),
                Op::Or | Op::And => Value::Bool(false),
            }
        }
        Node::Call(function, args) => call(*function, args, scope),
    }
}

/// XPath 1.0 equality of two single values: as booleans if either is one,
/// else as numbers if either is one, else as strings.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(_), _) | (_, Value::Bool(_)) => a.truth() == b.truth(),
        (Value::Number(_), _) | (_, Value::Number(_)) => a.number() == b.number(),
        _ => a.text() == b.text(),
    }
}

fn call(function: Function, args: &[Node], scope: &dyn Scope) -> Value {
    let arg = |i: usize| {
        args.get(i)
            .map_or(Value::Text(String::new()), |a| evaluate(a, scope))
    };
    match function {
        Function::Not => Value::Bool(!arg(0).truth()),
        Function::True => Value::Bool(true),
        Function::False => Value::Bool(false),
        Function::Selected => {
            let wanted = arg(1).text();
            let wanted = wanted.trim();
            Value::Bool(arg(0).text().split_whitespace().any(|v| v == wanted))
        }
        Function::CountSelected => Value::Number(arg(0).text().split_whitespace().count() as f64),
        Function::If => {
            if arg(0).truth() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Function::Coalesce => {
            let first = arg(0);
            if first.text().is_empty() {
                arg(1)
            } else {
                first
            }
        }
        Function::Concat => Value::Text((0..args.len()).map(|i| arg(i).text()).collect()),
        Function::StringLength => Value::Number(arg(0).text().chars().count() as f64),
        Function::Regex => {
            let text = arg(0).text();
            Value::Bool(compiled(&arg(1).text()).is_some_and(|r| r.is_match(&text)))
        }
        Function::Int => {
            let n = arg(0).number();
            Value::Number(if n.is_finite() { n.trunc() } else { n })
        }
        Function::Round => {
            let n = arg(0).number();
            let places = if args.len() > 1 { arg(1).number() } else { 0.0 };
            if !n.is_finite() || !places.is_finite() {
                return Value::Number(f64::NAN);
            }
            let places = places.clamp(-15.0, 15.0) as i32;
            let scale = 10f64.powi(places);
            // Half away from zero, as ODK rounds.
            Value::Number((n * scale).round() / scale)
        }
        Function::Today => Value::Text(scope.now().chars().take(10).collect()),
        Function::Now => Value::Text(scope.now()),
        Function::String => Value::Text(arg(0).text()),
        Function::Number => Value::Number(arg(0).number()),
        Function::Boolean => Value::Bool(arg(0).truth()),
        // XPath: the sum of each value as a number (a blank one makes it
        // NaN, as in ODK), and the number of nodes.
        Function::Sum => Value::Number(
            field_arg(args, 0)
                .map(|f| {
                    scope
                        .values(f)
                        .into_iter()
                        .map(|v| Value::of_answer(v).number())
                        .sum()
                })
                .unwrap_or(f64::NAN),
        ),
        Function::Count => {
            Value::Number(field_arg(args, 0).map_or(0.0, |f| scope.values(f).len() as f64))
        }
        // The values of every entry, blank ones left out, with `arg(0)`
        // between them.
        Function::Join => {
            let separator = arg(0).text();
            Value::Text(
                field_arg(args, 1)
                    .map(|f| {
                        scope
                            .values(f)
                            .into_iter()
                            .map(|v| Value::of_answer(v).text())
                            .filter(|t| !t.is_empty())
                            .collect::<Vec<_>>()
                            .join(&separator)
                    })
                    .unwrap_or_default(),
            )
        }
        Function::IndexedRepeat => {
            let n = arg(2).number();
            match (field_arg(args, 0), field_arg(args, 1)) {
                (Some(field), Some(repeat)) if n.is_finite() && n >= 1.0 => {
                    Value::of_answer(scope.entry_answer(repeat, n as usize, field))
                }
                _ => Value::Text(String::new()),
            }
        }
    }
}

/// The field an argument names (`sum(${age})`), as the parser made sure.
fn field_arg(args: &[Node], i: usize) -> Option<&str> {
    match args.get(i) {
        Some(Node::Field(f)) => Some(f),
        _ => None,
    }
}

/// A scope over a report's answers (JSON by field id) at a given time.
pub struct Answers<'a> {
    pub answers: &'a serde_json::Map<String, Json>,
    pub current: Option<&'a Json>,
    pub now: String,
}

impl Scope for Answers<'_> {
    fn answer(&self, field: &str) -> Option<Json> {
        self.answers.get(field).cloned()
    }

    fn current(&self) -> Option<Json> {
        self.current.cloned()
    }

    fn now(&self) -> String {
        self.now.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Answers of a household visit, and the time of the check.
    fn scope() -> (serde_json::Map<String, Json>, String) {
        let answers = json!({
            "age": 34,
            "name": "Aminata",
            "members": 5,
            "water": "borehole",
            "needs": ["food", "shelter", "water"],
            "visited": "2026-11-20",
            "born": "1992-03-01",
            "phone": "+223 76 12 34 56",
            "blank": "",
            "nothing": null,
            "ratio": 2.5,
        });
        let Json::Object(map) = answers else {
            unreachable!()
        };
        (map, "2026-12-01T08:30:00Z".to_string())
    }

    fn eval(source: &str) -> Value {
        let (answers, now) = scope();
        let current = json!("ML-0042");
        let scope = Answers {
            answers: &answers,
            current: Some(&current),
            now,
        };
        Expression::parse(source)
            .unwrap_or_else(|e| panic!("{source}: {e}"))
            .evaluate(&scope)
    }

    /// Expected values written by hand from XPath 1.0 and the ODK XForms
    /// specification, not from this evaluator.
    #[test]
    fn expressions_evaluate_as_the_xlsform_specification_says() {
        use Value::{Bool as B, Number as N, Text as T};
        let cases: &[(&str, Value)] = &[
            ("1 + 2 * 3", N(7.0)),
            ("(1 + 2) * 3", N(9.0)),
            ("7 div 2", N(3.5)),
            ("7 mod 3", N(1.0)),
            ("-7 mod 3", N(-1.0)),
            ("1 div 0", N(f64::INFINITY)),
            ("- ${age}", N(-34.0)),
            ("${age} > 18", B(true)),
            ("${age} >= 34 and ${age} <= 34", B(true)),
            ("${age} < 18 or ${members} = 5", B(true)),
            ("${age} = '34'", B(true)),
            ("${name} = 'Aminata'", B(true)),
            ("${name} != 'aminata'", B(true)),
            ("${blank} = ''", B(true)),
            ("${nothing} = ''", B(true)),
            ("${missing} = ''", B(true)),
            ("${missing} = 0", B(false)),
            ("${missing} > 0", B(false)),
            ("${missing} < 1", B(false)),
            ("${name} > 3", B(false)),
            ("${ratio} * 2", N(5.0)),
            ("selected(${needs}, 'water')", B(true)),
            ("selected(${needs}, 'health')", B(false)),
            ("selected(${water}, 'borehole')", B(true)),
            ("count-selected(${needs})", N(3.0)),
            ("count-selected(${missing})", N(0.0)),
            ("not(selected(${needs}, 'food'))", B(false)),
            ("if(${members} > 4, 'large', 'small')", T("large".into())),
            ("if(${missing}, 1, 2)", N(2.0)),
            ("coalesce(${blank}, ${name})", T("Aminata".into())),
            ("coalesce(${name}, 'x')", T("Aminata".into())),
            (
                "concat(${name}, ' (', ${age}, ')')",
                T("Aminata (34)".into()),
            ),
            ("concat()", T(String::new())),
            ("string-length(${name})", N(7.0)),
            ("string-length('Ségou')", N(5.0)),
            ("regex(${phone}, '^\\+223( [0-9]{2}){4}$')", B(true)),
            ("regex(., '^ML-[0-9]{4}$')", B(true)),
            ("regex(${name}, '^[0-9]+$')", B(false)),
            ("int(7.9)", N(7.0)),
            ("int(-7.9)", N(-7.0)),
            ("round(2.5)", N(3.0)),
            ("round(-2.5)", N(-3.0)),
            ("round(1.23456, 2)", N(1.23)),
            ("round(1.005, 1)", N(1.0)),
            ("today()", T("2026-12-01".into())),
            ("now()", T("2026-12-01T08:30:00Z".into())),
            ("${visited} < today()", B(true)),
            ("${visited} > today()", B(false)),
            ("today() - ${visited}", N(11.0)),
            ("int((today() - ${born}) div 365.25)", N(34.0)),
            ("true() and not(false())", B(true)),
            ("string(${age})", T("34".into())),
            ("number('12.5') + 1", N(13.5)),
            ("boolean('0')", B(true)),
            ("boolean(0)", B(false)),
            (". = 'ML-0042'", B(true)),
            ("${age} + 1 = 35", B(true)),
            ("1 = 1 = 1", B(true)),
            ("\"double\" = 'double'", B(true)),
            (".5 + .5", N(1.0)),
        ];
        for (source, want) in cases {
            let got = eval(source);
            let same = match (&got, want) {
                (N(a), N(b)) => (a - b).abs() < 1e-9 || (a.is_infinite() && a == b),
                _ => &got == want,
            };
            assert!(same, "{source}: got {got:?}, want {want:?}");
        }
        assert!(
            eval("${missing} + 1").number().is_nan(),
            "no answer is no number"
        );
        assert!(eval("0 div 0").number().is_nan());
    }

    #[test]
    fn a_malformed_expression_is_refused_with_its_position() {
        let cases: &[(&str, usize, &str)] = &[
            ("${age > 3", 0, "not closed"),
            ("$age > 3", 0, "${name}"),
            ("${age} >", 8, "ends too soon"),
            ("(${age} > 3", 11, "closing parenthesis"),
            ("${age} > 3)", 10, "goes on"),
            ("selected(${needs})", 0, "takes 2"),
            ("frobnicate(1)", 0, "not a function"),
            ("age > 3", 0, "not a value"),
            ("'open", 0, "not closed"),
            ("1 ^ 2", 2, "not part of"),
            ("1.2.3", 0, "not a number"),
            ("regex(., '(')", 0, "regular expression"),
        ];
        for (source, at, says) in cases {
            let err = Expression::parse(source).expect_err(source);
            assert_eq!(err.at, *at, "{source}: {err}");
            assert!(err.what.contains(says), "{source}: {err}");
        }
        let deep = format!("{}1{}", "(".repeat(200), ")".repeat(200));
        assert!(Expression::parse(&deep).is_err(), "nesting is bounded");
        let long = "1 + ".repeat(2000) + "1";
        assert!(Expression::parse(&long).is_err(), "length is bounded");
        let chain = "-".repeat(500) + "1";
        assert!(
            Expression::parse(&chain).is_err(),
            "unary chains are bounded"
        );
    }

    #[test]
    fn an_expression_names_the_fields_it_reads() {
        let e = Expression::parse("if(${a} > ${b}, ${a}, concat(${c}, .))").expect("parses");
        assert_eq!(e.fields(), ["a", "b", "c"]);
    }
}
