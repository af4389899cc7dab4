#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn set_variants() {
    assert_eq!(r("#set($a = 1)#set($b = $a + 1)$a $b"), "1 2");
    assert_eq!(r("#set( $a = 'x' )$a"), "x");
    assert_eq!(r("#{set}($a = 'braced')$a"), "braced");
    assert_eq!(
        r("#set($m = {})#set($m.k = 'v')#set($m['j'] = 2)$m"),
        "{k=v, j=2}"
    );
    assert_eq!(r("#set($l = [1, 2])#set($l[1] = 'two')$l"), "[1, two]");
    // Velocity 1.7: a null right-hand side leaves the variable as it was.
    assert_eq!(r("#set($a = 'keep')#set($a = $undefined)$a"), "keep");
    assert_eq!(r("#set($m = {'k': 1})#set($m.k = $undefined)$m.k"), "1");
}

#[test]
fn set_on_missing_intermediate_is_ignored_outside_context() {
    assert_eq!(r("#set($m = {})#set($m.a.b = 1)$m"), "{}");
    assert_eq!(r("#set($nothing.a = 1)ok"), "ok");
}

#[test]
fn if_elseif_else() {
    let t = "#foreach($n in [1, 2, 3])#if($n == 1)one#elseif($n == 2)two#{else}many#end #end";
    assert_eq!(r(t), "one two many ");
    assert_eq!(r("#if(false)a#end|#if($undefined)b#else c#end"), "| c");
    assert_eq!(r("#{if}(true)yes#{end}"), "yes");
    assert_eq!(r("#if (true) spaced #end"), " spaced ");
}

#[test]
fn truthiness_follows_velocity_1_7() {
    assert_eq!(r("#if('')empty string is true#end"), "empty string is true");
    assert_eq!(r("#if(0)zero is true#end"), "zero is true");
    assert_eq!(r("#if([])empty list is true#end"), "empty list is true");
    assert_eq!(r("#if($nothing)x#{else}null is false#end"), "null is false");
    assert_eq!(r("#if(!$nothing)negated#end"), "negated");
}

#[test]
fn foreach_over_lists_maps_and_ranges() {
    assert_eq!(r("#foreach($x in [1..4])$x#end"), "1234");
    assert_eq!(r("#foreach($x in [3..1])$x#end"), "321");
    assert_eq!(
        r("#set($m = {'a': 1, 'b': 2})#foreach($v in $m)$v#end"),
        "12"
    );
    assert_eq!(
        r("#set($m = {'a': 1, 'b': 2})#foreach($k in $m.keySet())$k=$m.get($k);#end"),
        "a=1;b=2;"
    );
    assert_eq!(
        r("#set($m = {'a': 1, 'b': 2})#foreach($e in $m.entrySet())$e.key:$e.value,$e.getKey()#end"),
        "a:1,ab:2,b"
    );
    assert_eq!(
        r("#foreach($x in $nothing)never#end#foreach($x in 'str')never#end"),
        ""
    );
    assert_eq!(r("#set($n = 2)#foreach($i in [1..$n])$i#end"), "12");
}

#[test]
fn foreach_state() {
    let t = "#foreach($x in ['a', 'b', 'c'])$foreach.index/$foreach.count/$velocityCount/$foreach.hasNext/$foreach.first/$foreach.last #end";
    assert_eq!(
        r(t),
        "0/1/1/true/true/false 1/2/2/true/false/false 2/3/3/false/false/true "
    );
    assert_eq!(
        r("#foreach($x in [1,2])#if($foreach.hasNext())more#end#end"),
        "more"
    );
}

#[test]
fn nested_foreach_restores_outer_state() {
    let t = "#foreach($a in [1,2])#foreach($b in ['x','y'])$a$b($foreach.count)#end[$foreach.count]#end";
    assert_eq!(r(t), "1x(1)1y(2)[1]2x(1)2y(2)[2]");
}

#[test]
fn break_and_stop() {
    assert_eq!(
        r("#foreach($i in [1..5])#if($i == 3)#break#end$i#end!"),
        "12!"
    );
    assert_eq!(
        r("#foreach($i in [1..2])#foreach($j in [1..3])#if($j == 2)#break#end$i$j #end#end"),
        "11 21 "
    );
    assert_eq!(r("a#stop b"), "a");
    assert_eq!(
        r("#foreach($i in [1..5])$i#if($i == 2)#stop#end#end after"),
        "12"
    );
    assert_eq!(r("#foreach($i in [1..3])$i#break($foreach)#end"), "1");
}

#[test]
fn comments_and_unparsed_blocks() {
    assert_eq!(r("a ## line comment\nb"), "a b");
    assert_eq!(r("a #* block\n comment *# b"), "a  b");
    assert_eq!(r("#[[ $not #if(parsed) ]]#"), " $not #if(parsed) ");
    assert_eq!(r("x#** doc *#y"), "xy");
}

#[test]
fn hash_that_is_not_a_directive_is_text() {
    assert_eq!(
        r("color: #fff; #ifdef #endfoo # #1"),
        "color: #fff; #ifdef #endfoo # #1"
    );
}

#[test]
fn directive_only_lines_print_nothing() {
    let t = "{\n  #set($a = 1)\n  #if($a == 1)\n    \"a\": $a\n  #end\n}\n";
    assert_eq!(r(t), "{\n    \"a\": 1\n}\n");
    let t = "[\n#foreach($i in [1..3])\n  $i#if($foreach.hasNext),#end\n#end\n]";
    assert_eq!(r(t), "[\n  1,  2,  3]");
    let t = "a\n   ## just a comment\nb\n#* block *#\nc";
    assert_eq!(r(t), "a\nb\nc");
}

#[test]
fn directive_at_end_of_line_takes_the_newline() {
    // Velocity 1.7: the line break after a directive's closing parenthesis or #end goes away.
    assert_eq!(r("x #if(true)y#end\nz"), "x yz");
    // #set also eats the blanks before it.
    assert_eq!(r("a   #set($v = 1)b"), "ab");
    assert_eq!(r("line\n\n#set($v = 1)\nnext"), "line\n\nnext");
}

#[test]
fn whitespace_only_lines_without_directives_are_kept() {
    assert_eq!(r("a\n   \nb"), "a\n   \nb");
    assert_eq!(r("a\r\n  #set($x = 1)\r\nb\r\n"), "a\r\nb\r\n");
}

#[test]
fn interpolated_strings() {
    assert_eq!(
        r("#set($n = 'w')#set($s = \"hello $n ${n}s $!undefined $undefined\")$s"),
        "hello w ws  $undefined"
    );
    assert_eq!(r("#set($s = 'no $interpolation')$s"), "no $interpolation");
    assert_eq!(r("#set($s = \"#if(true)yes#end\")$s"), "yes");
    assert_eq!(r("#set($s = \"say \"\"hi\"\"\")$s"), "say \"hi\"");
    assert_eq!(r("#set($s = 'it''s')$s"), "it's");
    // Backslashes stay as written (no Java escapes), only \\u is decoded.
    assert_eq!(r("#set($s = \"a\\nb\\\\c\\u0041\")$s"), "a\\nb\\\\cA");
}
