//! The parser's tests: grammar, precedence, AWS's messages and order of checks, and the
//! stack the deepest expressions need.

use super::*;
use crate::dynamodb::model::AttrValue;
use serde_json::json;

fn placeholders() -> Placeholders {
    Placeholders::from_input(&json!({
        "ExpressionAttributeNames": {"#s": "status", "#n": "name"},
        "ExpressionAttributeValues": {":v": {"N": "1"}, ":w": {"S": "x"}, ":s": {"SS": ["x"]}, ":l": {"L": []}}
    }))
    .unwrap()
}

fn cond(text: &str) -> Result<Cond, AwsError> {
    condition(text, "ConditionExpression", &mut placeholders())
}

fn path(text: &str) -> Path {
    let mut ph = placeholders();
    Parser::new(text, "ProjectionExpression", &mut ph)
        .unwrap()
        .path()
        .unwrap()
}

#[test]
fn and_binds_tighter_than_or() {
    let parsed = cond("a = :v OR b = :v AND c = :v").unwrap();
    let Cond::Or(_, right) = parsed else {
        panic!("expected OR at the top: {parsed:?}")
    };
    assert!(matches!(*right, Cond::And(_, _)));
    let parsed = cond("(a = :v OR b = :v) AND NOT c = :v").unwrap();
    let Cond::And(left, right) = parsed else {
        panic!("expected AND at the top")
    };
    assert!(matches!(*left, Cond::Or(_, _)));
    assert!(matches!(*right, Cond::Not(_)));
}

#[test]
fn nested_paths_and_placeholders() {
    assert_eq!(
        path("a.#s[2].c"),
        Path(vec![
            Elem::Attr("a".into()),
            Elem::Attr("status".into()),
            Elem::Index(2),
            Elem::Attr("c".into())
        ])
    );
}

#[test]
fn functions_between_and_in() {
    assert!(matches!(
        cond("begins_with(#n, :w)").unwrap(),
        Cond::BeginsWith(_, Operand::Value(v)) if matches!(*v, AttrValue::S(_))
    ));
    assert!(matches!(
        cond("a BETWEEN :v AND :v").unwrap(),
        Cond::Between(..)
    ));
    assert!(matches!(cond("a IN (:v, :w)").unwrap(), Cond::In(_, v) if v.len() == 2));
    assert!(matches!(
        cond("size(a) > :v").unwrap(),
        Cond::Compare(Operand::Size(_), CmpOp::Gt, _)
    ));
}

#[test]
fn errors_read_like_aws() {
    let msg = |text: &str| cond(text).unwrap_err().message;
    assert_eq!(
        msg("a = :nope"),
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"
    );
    assert_eq!(
        msg("#x = :v"),
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
    assert_eq!(
        msg("status = :v"),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    assert_eq!(
        msg("a x :v"),
        "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"a x :v\""
    );
    assert_eq!(
        msg("a ="),
        "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""
    );
    assert_eq!(
        msg("foo(a)"),
        "Invalid ConditionExpression: Invalid function name; function: foo"
    );
    assert_eq!(
        msg(""),
        "Invalid ConditionExpression: The expression can not be empty;"
    );
}

#[test]
fn update_clauses() {
    let actions = update(
        "SET a = a + :v, b = list_append(b, :l), c = if_not_exists(c, :v) REMOVE d ADD e :v DELETE f :s",
        &mut placeholders(),
    )
    .unwrap();
    assert_eq!(actions.len(), 6);
    assert!(matches!(
        &actions[0],
        Action::Set(_, Operand::Arith(_, true, _))
    ));
    assert!(matches!(&actions[3], Action::Remove(_)));
    assert!(matches!(&actions[5], Action::Delete(_, _)));
    let err = update("SET a = :v SET b = :v", &mut placeholders()).unwrap_err();
    assert!(
        err.message.contains("can only be used once"),
        "{}",
        err.message
    );
    let err = update("SET a = :v x", &mut placeholders()).unwrap_err();
    assert_eq!(
        err.message,
        "Invalid UpdateExpression: Syntax error; token: \"x\", near: \":v x\""
    );
}

#[test]
fn unused_placeholders_are_reported() {
    let mut ph = placeholders();
    condition("#s = :v", "ConditionExpression", &mut ph).unwrap();
    let err = ph.check_all_used(true).unwrap_err();
    assert_eq!(
        err.message,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}"
    );
}

/// The stack the deepest expressions 4 KB allows need stays small — an eighth of the
/// 2 MB a tokio thread has (128 KB was enough in a debug build): parsing and evaluation
/// keep NOT/AND/OR/parentheses and `if_not_exists` chains on their own stacks.
const SMALL_STACK: usize = 256 * 1024;

#[test]
fn the_deepest_expressions_fit_a_small_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(|| {
            let message = |text: &str| cond(text).unwrap_err().message;
            let parens = format!("{}a = :v{}", "(".repeat(2040), ")".repeat(2040));
            assert_eq!(
                message(&parens),
                "Invalid ConditionExpression: The expression has redundant parentheses;"
            );
            let too_many =
                "Invalid ConditionExpression: The expression contains too many operators; operator count: 301";
            assert_eq!(message(&format!("{}a = :v", "NOT ".repeat(1020))), too_many);
            let nested = format!("{}a = :v{}", "NOT (".repeat(600), ")".repeat(600));
            assert_eq!(message(&nested), too_many);
            let ors = vec!["a=:v"; 500].join(" OR ");
            assert_eq!(message(&ors), too_many);
            // The deepest accepted condition evaluates.
            let deepest = cond(&format!("{}a = :v", "NOT ".repeat(299))).unwrap();
            let item = crate::dynamodb::model::item_from_json(&json!({"a": {"N": "1"}}))
                .unwrap();
            assert!(
                !crate::dynamodb::expr::eval::condition(&item, &deepest, "ConditionExpression")
                    .unwrap()
            );
            // The deepest update operand 4 KB holds parses and applies.
            let levels = (4096 - 10) / 18;
            let source = format!(
                "SET a = {}:v{}",
                "if_not_exists(a, ".repeat(levels),
                ")".repeat(levels)
            );
            let actions = update(&source, &mut placeholders()).unwrap();
            let applied = crate::dynamodb::expr::update::apply(&item, &actions).unwrap();
            assert_eq!(applied, item);
        })
        .unwrap();
    worker.join().unwrap();
}

#[test]
fn precedence_and_errors_match_recursive_descent() {
    let parsed = cond("NOT a = :v AND (b = :v OR NOT (c = :v)) OR d = :v").unwrap();
    let Cond::Or(left, _) = parsed else {
        panic!("OR at the top")
    };
    let Cond::And(not_a, group) = *left else {
        panic!("AND under OR")
    };
    assert!(matches!(*not_a, Cond::Not(_)));
    assert!(matches!(*group, Cond::Or(_, _)));
    let message = |text: &str| cond(text).unwrap_err().message;
    assert_eq!(
        message("(a = :v"),
        "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\""
    );
    assert_eq!(
        message("a = :v)"),
        "Invalid ConditionExpression: Syntax error; token: \")\", near: \":v)\""
    );
    assert_eq!(
        message("(a = :v) b"),
        "Invalid ConditionExpression: Syntax error; token: \"b\", near: \") b\""
    );
    assert_eq!(
        message("((a = :v) AND b = :v) AND ((c = :v))"),
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    );
    assert!(cond("((a = :v) AND b = :v)").is_ok());
    assert!(cond("(NOT (a = :v))").is_ok());
}

#[test]
fn checks_come_in_aws_order() {
    let message = |text: &str| cond(text).unwrap_err().message;
    // A syntax error anywhere before a reserved word anywhere.
    assert_eq!(
        message("status = :v AND a = )"),
        "Invalid ConditionExpression: Syntax error; token: \")\", near: \"= )\""
    );
    // Redundant parentheses are reported where they close, before reserved words.
    assert_eq!(
        message("((status = :v))"),
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    );
    // Reserved words before undefined placeholders, wherever they are.
    assert_eq!(
        message("#x = :v AND status = :v"),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    // Then placeholders, deep paths and IN lists in the order they appear.
    let in_list = format!("a IN ({})", vec![":v"; 101].join(", "));
    assert_eq!(
        message(&format!("{in_list} AND #x = :v")),
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    assert_eq!(
        message(&format!("#x = :v AND {in_list}")),
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
    assert_eq!(
        message(&format!("a{} = :v", ".b".repeat(32))),
        "Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 33"
    );
    // Then operand types, and the operator count last.
    let swapped = format!("{}a BETWEEN :w AND :v", "NOT ".repeat(400));
    assert!(message(&swapped).contains("BETWEEN operator requires same data type"));
}

#[test]
fn update_operands_follow_dynamodb_grammar() {
    let message = |text: &str| update(text, &mut placeholders()).unwrap_err().message;
    let misused = "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append";
    assert_eq!(
        message("SET a = list_append(a, list_append(a, a))"),
        misused
    );
    assert_eq!(
        message("SET a = if_not_exists(a, list_append(a, a))"),
        misused
    );
    assert_eq!(message("SET a = list_append(a, a) + :v"), misused);
    assert_eq!(
        message("SET a = if_not_exists(a, :v + :v)"),
        "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":v + :v\""
    );
    assert!(
        update(
            "SET a = list_append(if_not_exists(a, :v), :l)",
            &mut placeholders()
        )
        .is_ok()
    );
    assert!(
        update(
            "SET a = if_not_exists(a, :v) + if_not_exists(b, :v)",
            &mut placeholders()
        )
        .is_ok()
    );
    let plus = (0..301)
        .map(|i| format!("x{i}=:v+:v"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        message(&format!("SET {plus}")),
        "Invalid UpdateExpression: The expression contains too many operators; operator count: 301"
    );
}

#[test]
fn functions_are_checked_in_aws_order() {
    let c = |text: &str| cond(text).unwrap_err().message;
    let condition = |m: &str| format!("Invalid ConditionExpression: {m}");
    let unknown = condition("Invalid function name; function: foo");
    let reserved = condition("Attribute name is a reserved keyword; reserved keyword: status");
    // Syntax, and redundant parentheses, anywhere before a refused function.
    assert_eq!(
        c("foo(a) AND ((b = :v))"),
        condition("The expression has redundant parentheses;")
    );
    assert_eq!(
        c("foo(a) AND b = )"),
        condition("Syntax error; token: \")\", near: \"= )\"")
    );
    assert_eq!(
        c("foo()"),
        condition("Syntax error; token: \")\", near: \"()\"")
    );
    // Refused functions and reserved words: the first in the source, a call before its
    // operands; both before undefined placeholders wherever they are.
    assert_eq!(c("foo(a) AND status = :v"), unknown);
    assert_eq!(c("status = :v AND foo(a)"), reserved);
    assert_eq!(c("foo(status)"), unknown);
    assert_eq!(c("b = :nope AND foo(a, (b), bar(c))"), unknown);
    assert_eq!(
        c("if_not_exists(a, :v)"),
        condition("The function is not allowed in a condition expression; function: if_not_exists")
    );
    let misused = |f: &str| {
        condition(&format!(
            "The function is not allowed to be used this way in an expression; function: {f}"
        ))
    };
    assert_eq!(c("size(a) AND b = :v"), misused("size"));
    assert_eq!(
        c("attribute_exists(status) = :v"),
        misused("attribute_exists")
    );
    assert_eq!(
        c("contains(attribute_exists(a), :v)"),
        misused("attribute_exists")
    );
    // Operand counts and document paths: in source order with undefined placeholders.
    let count = |f: &str, n: usize| {
        condition(&format!(
            "Incorrect number of operands for operator or function; operator or function: {f}, number of operands: {n}"
        ))
    };
    assert_eq!(c("contains(a) AND b = :nope"), count("contains", 1));
    assert_eq!(c("contains(:nope)"), count("contains", 1));
    assert_eq!(
        c("b = :nope AND contains(a)"),
        condition(
            "An expression attribute value used in expression is not defined; attribute value: :nope"
        )
    );
    assert_eq!(c("contains(a) AND status = :v"), reserved);
    assert_eq!(c("attribute_type(a)"), count("attribute_type", 1));
    assert_eq!(c("size(a, b) = :v"), count("size", 2));
    assert_eq!(
        c("attribute_exists(size(a))"),
        condition(
            "Operator or function requires a document path; operator or function: attribute_exists"
        )
    );
    assert!(cond("attribute_exists((a)) AND begins_with(a, :w)").is_ok());
}

#[test]
fn update_functions_are_checked_in_aws_order() {
    let u = |text: &str| update(text, &mut placeholders()).unwrap_err().message;
    let update_error = |m: &str| format!("Invalid UpdateExpression: {m}");
    assert_eq!(
        u("SET a = :v SET c = foo(b)"),
        update_error("Invalid function name; function: foo")
    );
    assert_eq!(
        u("SET a = :v SET c = :v"),
        update_error("The \"SET\" section can only be used once in an update expression;")
    );
    assert_eq!(
        u("SET a = if_not_exists(a) REMOVE status"),
        update_error("Attribute name is a reserved keyword; reserved keyword: status")
    );
    let count = |f: &str, n: usize| {
        update_error(&format!(
            "Incorrect number of operands for operator or function; operator or function: {f}, number of operands: {n}"
        ))
    };
    assert_eq!(u("SET a = if_not_exists(a)"), count("if_not_exists", 1));
    assert_eq!(
        u("SET a = if_not_exists(a, b, c)"),
        count("if_not_exists", 3)
    );
    assert_eq!(u("SET a = list_append(a)"), count("list_append", 1));
    assert_eq!(
        u("SET a = if_not_exists(:v, a)"),
        update_error(
            "Operator or function requires a document path; operator or function: if_not_exists"
        )
    );
    assert_eq!(
        u("SET a = list_append(a) + :v"),
        update_error(
            "The function is not allowed to be used this way in an expression; function: list_append"
        )
    );
    assert_eq!(
        u("SET a = size(b) REMOVE status"),
        update_error("The function is not allowed in an update expression; function: size")
    );
}

#[test]
fn the_last_failing_update_action_is_reported() {
    let u = |text: &str| update(text, &mut placeholders()).unwrap_err().message;
    let undefined = |v: &str| {
        format!(
            "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: {v}"
        )
    };
    assert_eq!(u("SET a = :x1, b = :x2"), undefined(":x2"));
    assert_eq!(u("SET b = b - :w, a = :x"), undefined(":x"));
    assert_eq!(
        u("SET a = :x, b = b - :w"),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: S"
    );
    assert_eq!(
        u("REMOVE x SET a = :x ADD c :w"),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"
    );
    // Within an action, an undefined value before the operand type.
    assert_eq!(u("SET q = :w - :x"), undefined(":x"));
    // An undefined name, wherever it is, before them all.
    assert_eq!(
        u("SET b = :x, #x = :v"),
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #x"
    );
}

#[test]
fn refused_calls_nest_without_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(|| {
            let deep = format!("{}a{} = :v", "foo(".repeat(800), ")".repeat(800));
            assert_eq!(
                cond(&deep).unwrap_err().message,
                "Invalid ConditionExpression: Invalid function name; function: foo"
            );
            let extra = format!("SET a = if_not_exists(a, :v, {}b{})", "f(".repeat(1300), ")".repeat(1300));
            assert_eq!(
                update(&extra, &mut placeholders()).unwrap_err().message,
                "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 3"
            );
        })
        .unwrap();
    worker.join().unwrap();
}
