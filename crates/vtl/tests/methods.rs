#![allow(clippy::unwrap_used)]

mod common;
use common::*;

fn s(expr: &str) -> String {
    r(&format!("#set($s = 'Hello, World')#set($r = {expr})$r"))
}

#[test]
fn string_methods() {
    assert_eq!(s("$s.length()"), "12");
    assert_eq!(s("$s.substring(7)"), "World");
    assert_eq!(s("$s.substring(0, 5)"), "Hello");
    assert_eq!(s("$s.indexOf('o')"), "4");
    assert_eq!(s("$s.indexOf('o', 5)"), "8");
    assert_eq!(s("$s.lastIndexOf('o')"), "8");
    assert_eq!(s("$s.indexOf('zz')"), "-1");
    assert_eq!(s("$s.contains('World')"), "true");
    assert_eq!(s("$s.startsWith('Hell')"), "true");
    assert_eq!(s("$s.endsWith('x')"), "false");
    assert_eq!(s("$s.toLowerCase()"), "hello, world");
    assert_eq!(s("$s.toUpperCase()"), "HELLO, WORLD");
    assert_eq!(r("#set($p = '  pad  ')[$p.trim()]"), "[pad]");
    assert_eq!(s("$s.replace('l', 'L')"), "HeLLo, WorLd");
    assert_eq!(s("$s.replaceAll('[aeiou]', '*')"), "H*ll*, W*rld");
    assert_eq!(s("$s.replaceFirst('l+', '_')"), "He_o, World");
    assert_eq!(s("$s.split(', ')"), "[Hello, World]");
    assert_eq!(s("$s.split(',')[1].trim()"), "World");
    assert_eq!(s("$s.equals('Hello, World')"), "true");
    assert_eq!(s("$s.equalsIgnoreCase('hello, world')"), "true");
    assert_eq!(s("$s.isEmpty()"), "false");
    assert_eq!(s("$s.charAt(4)"), "o");
    assert_eq!(s("$s.matches('Hello.*')"), "true");
    assert_eq!(s("$s.matches('Hello')"), "false");
    assert_eq!(s("$s.concat('!')"), "Hello, World!");
    assert_eq!(s("$s.toString()"), "Hello, World");
    assert_eq!(s("$s.hashCode()"), "-505841268");
    assert_eq!(s("$s.noSuchMethod()"), "");
}

#[test]
fn the_escaped_quote_idiom() {
    let scope = body(r#"{"msg":"it's"}"#);
    let t = r#"$util.escapeJavaScript($input.path('$.msg')).replaceAll("\\'", "'")"#;
    assert_eq!(render(t, &scope), "it's");
}

#[test]
fn java_regex_semantics() {
    assert_eq!(s("$s.matches('Hello|Hello, World')"), "true");
    assert_eq!(s("$s.matches('(?i)hello, world')"), "true");
    assert_eq!(s("$s.matches('World')"), "false");
    assert_eq!(s(r"$s.replaceAll('(\w+), (\w+)', '$2 \$1')"), "World $1");
    assert_eq!(
        s(r"$s.replaceAll('(?<w>[A-Z])', '_${w}')"),
        "_Hello, _World"
    );
    assert_eq!(s(r"$s.replaceAll('\Q, \E', '.')"), "Hello.World");
    assert_eq!(s("$s.split('')[0]"), "H");
    assert_eq!(s("$s.split('l', -1).size()"), "4");
    assert_eq!(s("$s.split('o', 2)[1]"), ", World");
    assert_eq!(
        r("#set($s = 'prénom: José')$s.replaceFirst('(\\S+): (\\S+)', '$2 ($1)')"),
        "José (prénom)"
    );
    assert_eq!(r("#set($s = 'a😀b')$s.split('😀')"), "[a, b]");
}

#[test]
fn string_errors_are_render_errors() {
    let e = render_err("#set($s = 'abc')$s.substring(5)", &Scope::default());
    assert_eq!(e.kind, RenderErrorKind::Invocation);
    assert!(e.message.contains("StringIndexOutOfBounds"), "{e}");
    assert_eq!((e.line, e.column), (1, 17));
    let e = render_err("#set($s = 'abc')$s.replaceAll('(', '')", &Scope::default());
    assert!(e.message.contains("PatternSyntax"), "{e}");
}

#[test]
fn number_methods() {
    assert_eq!(
        r("#set($n = 0)#set($p = $n.parseInt('42'))$p|#set($q = $p + 1)$q"),
        "42|43"
    );
    assert_eq!(r("#set($d = 0.0)#set($p = $d.parseDouble('2.5'))$p"), "2.5");
    assert_eq!(
        r("#set($n = 3)$n.toString() $n.doubleValue()|#set($f = 3.9)$f.intValue()"),
        "3 3.0|3"
    );
    let e = render_err("#set($n = 0)$n.parseInt('x')", &Scope::default());
    assert!(e.message.contains("NumberFormatException"));
}

#[test]
fn list_methods() {
    let t = "#set($l = [1, 2, 3])$l.size() $l.get(0) $l.contains(2) $l.contains('2') $l.isEmpty() $l.indexOf(3) $l.subList(1, 3)";
    assert_eq!(r(t), "3 1 true false false 2 [2, 3]");
    let e = render_err("#set($l = [1])$l.get(3)", &Scope::default());
    assert!(e.message.contains("IndexOutOfBounds"));
    let e = render_err("#set($l = [1])$l[3]", &Scope::default());
    assert!(e.message.contains("IndexOutOfBounds"));
}

#[test]
fn list_mutation_through_variables() {
    assert_eq!(
        r("#set($l = [])$l.add(1)|#set($d = $l.add(2))$l"),
        "true|[1, 2]"
    );
    assert_eq!(
        r("#set($l = [1, 2, 3])#set($d = $l.remove(0))$d $l"),
        "1 [2, 3]"
    );
    assert_eq!(
        r("#set($l = ['a', 'b'])#set($d = $l.remove('a'))$d $l"),
        "true [b]"
    );
    assert_eq!(
        r("#set($l = [1])#set($d = $l.addAll([2, 3]))#set($d = $l.set(0, 9))$d $l"),
        "1 [9, 2, 3]"
    );
    // `add(index, x)` returns void, which prints as nothing.
    assert_eq!(r("#set($l = [1])$l.add(0, 0)$l"), "[0, 1]");
    assert_eq!(
        r("#set($m = {'l': []})#set($d = $m.l.add('x'))$m"),
        "{l=[x]}"
    );
    let t = "#set($out = [])#foreach($i in [1..3])#set($d = $out.add(\"item$i\"))#end$out";
    assert_eq!(r(t), "[item1, item2, item3]");
}

#[test]
fn map_methods_and_mutation() {
    let t = "#set($m = {'a': 1})#set($d = $m.put('b', 2))$m.size() $m.containsKey('b') $m.keySet() $m.values() $m.isEmpty() $m.get('zz')|";
    assert_eq!(r(t), "2 true [a, b] [1, 2] false |");
    assert_eq!(
        r("#set($m = {'a': 1})#set($old = $m.put('a', 5))$old $m"),
        "1 {a=5}"
    );
    assert_eq!(
        r("#set($m = {'a': 1, 'b': 2})#set($d = $m.remove('a'))$d $m"),
        "1 {b=2}"
    );
    assert_eq!(
        r("#set($m = {})#set($d = $m.putAll({'x': 1, 'y': 2}))$m"),
        "{x=1, y=2}"
    );
    assert_eq!(
        r("#set($m = {'a': {}})#set($d = $m.a.put('deep', true))$m"),
        "{a={deep=true}}"
    );
    assert_eq!(
        r("#set($m = {'k': 'v'})$m.getOrDefault('zz', 'dflt') $m.containsValue('v')"),
        "dflt true"
    );
}

#[test]
fn copies_are_independent() {
    // Values are copied on #set; this differs from Java's shared references but never leaks
    // changes between variables unexpectedly.
    assert_eq!(
        r("#set($a = [1])#set($b = $a)#set($d = $b.add(2))$a $b"),
        "[1] [1, 2]"
    );
}
