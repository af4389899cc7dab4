#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn simple_and_formal_references() {
    assert_eq!(r("#set($x = 'v')$x ${x} ${x}y $!x $!{x}"), "v v vy v v");
}

#[test]
fn undefined_unknown_root_prints_source_text() {
    assert_eq!(r("a $foo b"), "a $foo b");
    assert_eq!(r("${foo.bar}"), "${foo.bar}");
    assert_eq!(r("$foo.bar('x', 1)"), "$foo.bar('x', 1)");
    assert_eq!(r("$!foo|$!{foo.bar}"), "|");
}

#[test]
fn null_under_known_roots_prints_nothing() {
    let scope = Scope {
        context: json(r#"{"identity":{}}"#),
        ..Scope::default()
    };
    assert_eq!(
        render(
            "[$context.identity.accountId][$context.nope.deeper]",
            &scope
        ),
        "[][]"
    );
    assert_eq!(
        render("[$stageVariables.missing][$input.path('$.x')]", &scope),
        "[][]"
    );
    assert_eq!(render("[$util.escapeJavaScript($nothing)]", &scope), "[]");
    assert_eq!(render("[$foreach.count][$velocityCount]", &scope), "[][]");
    // A #set variable is known even before (or without) being assigned a value.
    assert_eq!(
        render("[$m.missing]#set($m = {})[$m.missing]", &scope),
        "[][]"
    );
    assert_eq!(render("#set($n = $nothing)[$n]", &scope), "[]");
}

#[test]
fn dollar_that_is_not_a_reference_is_text() {
    assert_eq!(r("cost: $5 $ $. $- $$"), "cost: $5 $ $. $- $$");
    assert_eq!(r("#set($a = 1)${a"), "${a");
    assert_eq!(r("#set($a = 1)$a."), "1.");
}

#[test]
fn escaped_references_and_directives() {
    assert_eq!(r("#set($x = 1)\\$x \\${x} \\$!x"), "$x ${x} $!x");
    assert_eq!(r("#set($x = 1)\\\\$x"), "\\1");
    assert_eq!(r("\\#if(true)x\\#end"), "#if(true)x#end");
    assert_eq!(r("a\\b \\n \\"), "a\\b \\n \\");
    assert_eq!(r("#set($x = 'a')\\$x.foo($x)"), "$x.foo($x)");
}

#[test]
fn property_and_index_access() {
    let t = "#set($m = {'a': {'b': [10, 20, {'c': 'deep'}]}})$m.a.b[1] $m.a.b[2].c $m['a']['b'][0] $m.a.get('b').get(2).get('c')";
    assert_eq!(r(t), "20 deep 10 deep");
    assert_eq!(
        r("#set($k = 'a')#set($m = {'a': 1})$m[$k] $m.get($k)"),
        "1 1"
    );
    assert_eq!(
        r("#set($l = [1, 2])$l.size() $l.empty|#set($e = [])$e.empty"),
        "2 false|true"
    );
}

#[test]
fn index_in_text_that_does_not_parse_stays_text() {
    assert_eq!(r("#set($a = 'x')$a[ not an index"), "x[ not an index");
    assert_eq!(r("#set($a = [1])$a[0]]"), "1]");
}

#[test]
fn hyphenated_identifiers() {
    let scope = Scope {
        stage_variables: pairs(&[("my-var", "ok")]),
        ..Scope::default()
    };
    assert_eq!(render("$stageVariables.my-var", &scope), "ok");
    assert_eq!(render("#set($a-b = 3)$a-b", &scope), "3");
}

#[test]
fn values_render_like_java() {
    assert_eq!(
        r("#set($m = {'a': 1, 'b': 'x', 'c': [1, 'y'], 'd': {}})$m"),
        "{a=1, b=x, c=[1, y], d={}}"
    );
    assert_eq!(
        r("#set($f = 1.5)$f|#set($g = 2.0)$g|#set($h = 0.00001)$h"),
        "1.5|2.0|1.0E-5"
    );
    assert_eq!(r("#set($t = true)$t|#set($l = [])$l"), "true|[]");
    assert_eq!(r("#set($l = [1, $null, 2])$l"), "[1, null, 2]");
}

#[test]
fn loop_variable_restored_after_loop() {
    assert_eq!(
        r("#set($i = 'outer')#foreach($i in [1,2])$i#end $i"),
        "12 outer"
    );
    assert_eq!(r("#foreach($i in [1,2])$i#end [$i]"), "12 []");
}
