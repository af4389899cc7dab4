#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn parse_errors_say_where() {
    let e = parse_err("line one\n  #if($a)\n  never closed");
    assert_eq!((e.line, e.column), (2, 3));
    assert!(e.to_string().starts_with("line 2, column 3: "), "{e}");
    assert!(e.message.contains("#end"), "{e}");

    let e = parse_err("#foreach($x in [1])\n$x");
    assert!(e.message.contains("#foreach"), "{e}");

    let e = parse_err("#if(($a)\nx#end");
    assert!(
        e.message
            .contains("expected ')' to close #if( opened at line 1, column 1"),
        "{e}"
    );

    for (source, needle) in [
        ("text #end", "#end without"),
        ("#else", "#else without"),
        ("#elseif(true)", "#elseif without"),
        ("#if(true)#else#else#end", "after #else"),
        ("#foreach($x in [1])#else#end", "#else inside #foreach"),
        ("#set($a = 'unterminated)", "unterminated string"),
        ("#set(a = 1)", "#set must start"),
        ("#set($a == 1)", "expected '='"),
        ("#set($a.b() = 1)", "method call"),
        ("#foreach($x $list)#end", "'in'"),
        ("#foreach($x.y in $list)#end", "plain loop variable"),
        ("#if $a #end", "expected '('"),
        ("#macro(foo)#end", "not supported"),
        ("#define($x)#end", "not supported"),
        ("a #* never closed", "#*"),
        ("#[[ never closed", "#[["),
        ("$a.b(1, 2", "argument list"),
        ("#if($a +)#end", "unexpected ')'"),
        ("#set($m = {'a' 1})", "':'"),
        ("#set($l = [1 2])", "','"),
        ("#if($a = 1)#end", "')'"),
        ("#set($x = @)", "unexpected '@'"),
        ("#set($x = bareword)", "unexpected 'bareword'"),
    ] {
        let e = parse_err(source);
        assert!(e.message.contains(needle), "{source:?}: {e}");
    }
}

#[test]
fn nesting_is_bounded() {
    let deep_ifs = "#if(true)".repeat(70) + &"#end".repeat(70);
    assert!(parse_err(&deep_ifs).message.contains("nested deeper"));
    let ok_ifs = "#if(true)".repeat(60) + "x" + &"#end".repeat(60);
    assert_eq!(r(&ok_ifs), "x");

    let parens = format!("#set($a = {}1{})", "(".repeat(100), ")".repeat(100));
    assert!(parse_err(&parens).message.contains("nesting deeper"));
    let lists = format!("#set($a = {}1{})", "[".repeat(100), "]".repeat(100));
    assert!(parse_err(&lists).message.contains("nesting deeper"));
    let nots = format!("#if({}true)#end", "!".repeat(100));
    assert!(parse_err(&nots).message.contains("nesting deeper"));
    let calls = format!("{}1{}", "$a.b(".repeat(100), ")".repeat(100));
    assert!(parse_err(&calls).message.contains("nesting deeper"));
    let mut strings = "$x".to_string();
    for _ in 0..8 {
        strings = format!("#set($y = \"{}\")", strings.replace('"', "\"\""));
    }
    assert!(Template::parse(&strings).is_ok());
}

#[test]
fn iteration_limit() {
    let e = render_err(
        "#foreach($i in [1..60000])#foreach($j in [1..2])#end#end",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err("#set($l = [1..200000])", &Scope::default());
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
}

#[test]
fn output_and_string_limits() {
    let e = render_err(
        "#set($s = 'xxxxxxxxxx')#foreach($i in [1..30])#set($s = \"$s$s\")#end$s",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err(
        "#set($s = 'xxxxxxxxxx')#foreach($i in [1..30])#set($s = $s.concat($s))#end",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err("#set($s = 'x')$s.repeat(100000000)", &Scope::default());
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err("#foreach($i in [1..100000])0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789#end", &Scope::default());
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
}

#[test]
fn value_depth_and_size_limits() {
    let e = render_err(
        "#set($a = [])#foreach($i in [1..2000])#set($a = [$a])#end",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err(
        "#set($m = {})#foreach($i in [1..2000])#set($m = {'k': $m})#end",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err(
        "#set($l = [1])#foreach($i in [1..40])#set($d = $l.addAll($l))#end",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
    let e = render_err(
        "#set($l = [])#foreach($i in [1..2000])#set($d = $l.add($l))#end",
        &Scope::default(),
    );
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded);
}

#[test]
fn catastrophic_regex_is_linear() {
    // Exponential for a backtracking engine; regex-lite answers in linear time.
    let t = "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')$s.matches('(a|a)*b')";
    assert_eq!(render(t, &Scope::default()), "false");
    let long = format!("{}!", "a".repeat(100_000));
    let t = r"$input.body.matches('(a|aa)*b')|$input.body.replaceAll('(a*)*!', '.')";
    assert_eq!(render(t, &body(&long)), "false|.");
}

#[test]
fn unsupported_and_oversized_regexes_are_render_errors() {
    for pattern in [
        "(?=a)b",
        "(?<!a)b",
        "(a)\\1",
        "\\p{Alpha}",
        "[a",
        "(?:a{1000}){1000}",
    ] {
        for call in [
            "matches('P')",
            "replaceAll('P', '')",
            "replaceFirst('P', '')",
            "split('P')",
        ] {
            let t = format!("#set($s = 'abc')$s.{}", call.replace('P', pattern));
            let e = render_err(&t, &Scope::default());
            assert_eq!(e.kind, RenderErrorKind::Invocation, "{t}: {e}");
            assert!(e.message.contains("PatternSyntaxException"), "{t}: {e}");
        }
    }
    let t = format!("#set($s = 'abc')$s.matches('{}')", "a".repeat(1001));
    let e = render_err(&t, &Scope::default());
    assert_eq!(e.kind, RenderErrorKind::LimitExceeded, "{e}");
    let t = format!("#set($s = 'abc')$s.matches('{}')", "a".repeat(1000));
    assert_eq!(render(&t, &Scope::default()), "false");
}

#[test]
fn deep_json_body_is_invalid_not_a_crash() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let e = render_err("$input.json('$')", &body(&deep));
    assert_eq!(e.kind, RenderErrorKind::InvalidJson);
    assert!(Value::from_json(&deep).is_none());
}

/// A tiny deterministic generator, so the soup is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

#[test]
fn random_templates_never_panic() {
    const PIECES: &[&str] = &[
        "$",
        "$x",
        "$!x",
        "${x}",
        "${",
        "}",
        "$input.json('$')",
        "$input.path('$.a')",
        "$input.params('h')",
        "$util.escapeJavaScript($x)",
        "$util.parseJson('[1]')",
        "#set($x = ",
        "#set($x.y = 1)",
        ")",
        "(",
        "#if(",
        "#elseif(",
        "#else",
        "#end",
        "#foreach($i in ",
        "[1..3]",
        "$x.add(1)",
        "$x.put('k', $x)",
        "#break",
        "#stop",
        "##",
        "#*",
        "*#",
        "#[[",
        "]]#",
        "\"",
        "'",
        "\\",
        "\\$x",
        "\n",
        "  ",
        "1",
        "-",
        "+",
        "*",
        "/",
        "%",
        "==",
        "&&",
        "!",
        "[",
        "]",
        "{",
        ":",
        ",",
        "a",
        "'str'",
        "\"str $x\"",
        "$x.substring(1)",
        "$x[0]",
        "$x.get(0)",
        "$foreach.hasNext",
        "$context.responseOverride.status",
        "true",
        "null",
        "$x.split(',')",
        "$x.replaceAll('a*', 'b')",
        "$x.size()",
        "#{if}",
        "#{end}",
        "é",
        "😀",
        "\r\n",
        "..",
        "$x.keySet()",
        "$x.entrySet()",
    ];
    let scope = Scope {
        body: r#"{"a":[1,{"b":"c"}],"s":"x,y"}"#.into(),
        header: pairs(&[("h", "v")]),
        context: json(r#"{"identity":{}}"#),
        ..Scope::default()
    };
    let mut rng = Lcg(0x5eed);
    let mut parsed = 0;
    for _ in 0..4000 {
        let len = 1 + rng.next() % 24;
        let source: String = (0..len)
            .map(|_| PIECES[rng.next() % PIECES.len()])
            .collect();
        if let Ok(t) = Template::parse(&source) {
            parsed += 1;
            let _ = t.render(&scope);
        }
    }
    assert!(parsed > 100, "only {parsed} random templates parsed");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Lcg(42);
    let alphabet: Vec<char> = "$#!{}[]()'\"\\.,:;*+-/%=<>&|abcxyz019 \n\t@é"
        .chars()
        .collect();
    for _ in 0..3000 {
        let len = rng.next() % 40;
        let source: String = (0..len)
            .map(|_| alphabet[rng.next() % alphabet.len()])
            .collect();
        if let Ok(t) = Template::parse(&source) {
            let _ = t.render(&body("{\"a\":1}"));
        }
    }
}
