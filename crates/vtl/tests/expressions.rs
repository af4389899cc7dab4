#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn literals() {
    assert_eq!(
        r("#set($a = [1, 'two', \"three\", 4.5, true, false, [], {}])$a"),
        "[1, two, three, 4.5, true, false, [], {}]"
    );
    assert_eq!(
        r("#set($m = {\"a\": 1, 'b': [2], \"c\": {\"d\": null}})$m.size() $m.b $m.c"),
        "3 [2] {d=null}"
    );
    // As in Velocity 1.7, #set swallows the blanks before it.
    assert_eq!(r("#set($x = -3)$x #set($y = -2.5)$y"), "-3-2.5");
    assert_eq!(r("#set($big = 99999999999)$big"), "99999999999");
    assert_eq!(r("#set($e = 1.5e3)$e"), "1500.0");
    assert_eq!(
        r("#set($a = 5)#set($l = [$a, \"$a\", '$a'])$l"),
        "[5, 5, $a]"
    );
}

#[test]
fn arithmetic() {
    assert_eq!(
        r("#set($x = 7)$x|#set($y = $x + 3 * 2)$y|#set($z = ($x + 3) * 2)$z"),
        "7|13|20"
    );
    assert_eq!(
        r("#set($d = 7 / 2)$d|#set($m = 7 % 3)$m|#set($f = 7.0 / 2)$f"),
        "3|1|3.5"
    );
    assert_eq!(r("#set($n = 10 - 2 - 3)$n"), "5");
    assert_eq!(r("#set($d = 1 / 0)[$d]"), "[]");
    assert_eq!(
        r("#set($s = 'a' + 1 + 2)$s|#set($t = 1 + 2 + 'a')$t"),
        "a12|3a"
    );
    assert_eq!(r("#set($n = 2)#set($neg = -$n)$neg"), "-2");
    assert_eq!(r("#set($x = 1.5 * 2)$x"), "3.0");
}

#[test]
fn comparisons_and_logic() {
    let cases = [
        ("1 == 1", true),
        ("1 == 1.0", true),
        ("1 == '1'", true),
        ("'a' == 'a'", true),
        ("'a' != 'b'", true),
        ("2 > 1", true),
        ("2 >= 2", true),
        ("1 < 2.5", true),
        ("3 <= 2", false),
        ("'a' < 'b'", false),
        ("1 eq 1", true),
        ("1 ne 2", true),
        ("1 lt 2 and 2 gt 1", true),
        ("1 le 0 or 2 ge 2", true),
        ("not false", true),
        ("!true", false),
        ("true && false", false),
        ("true || false", true),
        ("$nothing == $nothing", true),
        ("$nothing == ''", false),
        ("[1, 2] == [1, 2]", true),
        ("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}", true),
        ("!($nothing)", true),
        ("1 + 1 == 2 && !(3 < 2)", true),
    ];
    for (expr, want) in cases {
        let got = r(&format!("#if({expr})T#{{else}}F#end"));
        assert_eq!(got, if want { "T" } else { "F" }, "{expr}");
    }
}

#[test]
fn short_circuit_skips_side_effects() {
    assert_eq!(
        r("#set($l = [])#if(false && $l.add(1))#end#if(true || $l.add(2))#end$l.size()"),
        "0"
    );
}

#[test]
fn string_concatenation_by_interpolation() {
    assert_eq!(r("#set($a = 'x')#set($b = \"${a}-${a}\")$b"), "x-x");
}
