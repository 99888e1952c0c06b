package org.jcalico.model.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.jcalico.model.ValidationException;
import org.junit.jupiter.api.Test;

class SelectorTest {
    private static final Map<String, String> NONE = Map.of();
    private static final Map<String, String> WEB = Map.of("app", "web", "tier", "frontend");
    private static final Map<String, String> DB = Map.of("app", "db", "tier", "backend");

    private static boolean matches(String selector, Map<String, String> labels) {
        return Selector.parse(selector).matches(labels);
    }

    private static String error(String selector) {
        return assertThrows(ValidationException.class, () -> Selector.parse(selector)).getMessage();
    }

    @Test
    void equalityNeedsTheLabelWithThatValue() {
        assertTrue(matches("app == 'web'", WEB));
        assertFalse(matches("app == 'web'", DB));
        assertFalse(matches("app == 'web'", NONE));
        assertTrue(matches("app == \"web\"", WEB));
    }

    @Test
    void inequalityIsTrueWhenTheLabelIsAbsent() {
        assertFalse(matches("app != 'web'", WEB));
        assertTrue(matches("app != 'web'", DB));
        assertTrue(matches("app != 'web'", NONE));
    }

    @Test
    void setMembership() {
        assertTrue(matches("app in {'web', 'api'}", WEB));
        assertFalse(matches("app in {'db', 'api'}", WEB));
        assertFalse(matches("app in {'web'}", NONE));
        assertFalse(matches("app in {}", WEB));
        assertFalse(matches("app not in {'web', 'api'}", WEB));
        assertTrue(matches("app not in {'db', 'api'}", WEB));
        assertTrue(matches("app not in {'web'}", NONE));
        assertTrue(matches("app not in {}", WEB));
    }

    @Test
    void hasAndNotHas() {
        assertTrue(matches("has(app)", WEB));
        assertFalse(matches("has(app)", NONE));
        assertFalse(matches("!has(app)", WEB));
        assertTrue(matches("!has(app)", NONE));
        assertTrue(matches("has( app )", WEB));
        assertTrue(matches("has(app)", Map.of("app", "")));
    }

    @Test
    void stringOperatorsNeedTheLabel() {
        assertTrue(matches("tier contains 'ont'", WEB));
        assertFalse(matches("tier contains 'ont'", DB));
        assertFalse(matches("tier contains ''", NONE));
        assertTrue(matches("tier contains ''", WEB));
        assertTrue(matches("tier starts with 'front'", WEB));
        assertFalse(matches("tier starts with 'end'", WEB));
        assertFalse(matches("tier starts with ''", NONE));
        assertTrue(matches("tier ends with 'end'", WEB));
        assertTrue(matches("tier ends with 'end'", DB));
        assertFalse(matches("tier ends with 'front'", WEB));
        assertFalse(matches("tier ends with ''", NONE));
    }

    @Test
    void allGlobalAndEmpty() {
        assertTrue(matches("all()", NONE));
        assertTrue(matches("", WEB));
        assertTrue(matches(" \t ", WEB));
        assertEquals(Selector.all(), Selector.parse(null));
        assertTrue(matches("global()", WEB));
        assertFalse(matches("global()", Map.of(Selector.NAMESPACE_LABEL, "default")));
        assertTrue(matches("!global()", Map.of(Selector.NAMESPACE_LABEL, "default")));
    }

    @Test
    void andBindsTighterThanOr() {
        String s = "app == 'db' || app == 'web' && tier == 'backend'";
        assertFalse(matches(s, WEB));
        assertTrue(matches(s, DB));
        assertTrue(matches("(app == 'db' || app == 'web') && tier == 'frontend'", WEB));
        assertFalse(matches("(app == 'db' || app == 'web') && tier == 'backend'", WEB));
        assertEquals(Selector.parse("a == 'x' || (b == 'y' && c == 'z')"), Selector.parse("a == 'x' || b == 'y' && c == 'z'"));
    }

    @Test
    void notAppliesToOneOperation() {
        assertTrue(matches("!app == 'web' && tier == 'backend'", DB));
        assertFalse(matches("!app == 'db' && tier == 'backend'", DB));
        assertTrue(matches("!(app == 'db' && tier == 'frontend')", DB));
        assertTrue(matches("!!app == 'db'", DB));
        assertEquals(Selector.parse("app == 'db'"), Selector.parse("!!app == 'db'"));
        assertEquals(Selector.parse("app == 'db'"), Selector.parse("!(!app == 'db')"));
    }

    @Test
    void canonicalTextIgnoresSpellingButKeepsMeaning() {
        assertEquals("a == \"x\"", Selector.parse("a=='x'").toString());
        assertEquals(Selector.parse("a == \"x\"").toString(), Selector.parse("a=='x'").toString());
        assertEquals("a in {\"x\", \"y\"}", Selector.parse("a in {'y','x','y',}").toString());
        assertEquals("a == 'say \"hi\"'", Selector.parse("a == 'say \"hi\"'").toString());
        assertEquals("a == \"it's\"", Selector.parse("a == \"it's\"").toString());
        assertEquals("!has(a) && (b != \"x\" || c not in {})", Selector.parse("( ! has(a) )&&(b!='x'||c not in{})").toString());
        assertEquals("a == \"x\" && b == \"y\" && c == \"z\"", Selector.parse("a=='x' && (b=='y' && c=='z')").toString());
        assertEquals("!(a starts with \"x\")", Selector.parse("!a starts   with 'x'").toString());
        assertEquals("a ends with \"x\" || a contains \"y\"", Selector.parse("a endswith 'x'||a contains'y'").toString());
        for (String text : List.of("all()", "global()", "!all()", "a/b.c-d_e == \"\"", "!(a == \"x\" || b == \"y\")")) {
            assertEquals(text, Selector.parse(text).toString());
        }
    }

    @Test
    void errorsNameTheColumn() {
        assertEquals("selector: column 6: unterminated string (no closing ')", error("a == 'x"));
        assertEquals("selector: column 3: unknown operator '=' (equality is '==')", error("a = 'x'"));
        assertEquals("selector: column 10: expected '&&', '||' or the end of the selector, found label 'b'",
                error("a == 'x' b"));
        assertEquals("selector: column 11: expected ')' to close the '(' at column 1, found the end of the selector",
                error("(a == 'x' "));
        assertEquals("selector: column 3: expected an operator (==, !=, in, not in, contains, starts with, "
                + "ends with) after label 'a', found 'is'", error("a is 'x'"));
        assertEquals("selector: column 5: expected a label key in has(), found '$'", error("has($)"));
        assertEquals("selector: column 1: unexpected character 'é'", error("é == 'x'"));
        assertEquals("selector: column 6: expected a quoted string after '==', found label 'x'", error("a == x"));
        assertEquals("selector: column 6: expected '{' after 'in', found string \"x\"", error("a in 'x'"));
        assertEquals("selector: column 2: expected a label, has(), all(), global(), '!' or '(', found the end of the selector",
                error("!"));
        assertEquals("selector: column 12: expected a label, has(), all(), global(), '!' or '(', found the end of the selector",
                error("a == 'x' &&"));
    }

    @Test
    void hostileInputIsRefused() {
        String deep = "(".repeat(65) + "a == 'x'" + ")".repeat(65);
        assertEquals("selector: column 65: parentheses nested deeper than 64", error(deep));
        String ok = "(".repeat(64) + "a == 'x'" + ")".repeat(64);
        assertTrue(Selector.parse(ok).matches(Map.of("a", "x")));
        assertTrue(error("a == '" + "x".repeat(5000) + "'").startsWith("selector: column 4097: "));
        assertTrue(Selector.parse("!".repeat(4000) + "has(a)").matches(Map.of("a", "")));
        assertTrue(error("(".repeat(4000)).startsWith("selector: column 65: "));
    }

    @Test
    void andHasAllAsIdentity() {
        Selector a = Selector.parse("a == 'x'");
        Selector b = Selector.parse("b == 'y' || c == 'z'");
        assertEquals(a, Selector.all().and(a));
        assertEquals(a, a.and(Selector.all()));
        assertEquals(Selector.parse("a == 'x' && (b == 'y' || c == 'z')"), a.and(b));
        assertEquals(Selector.parse("a == 'x' && a == 'x'"), a.and(a));
    }

    @Test
    void withKeyPrefixRenamesEveryKey() {
        Selector s = Selector.parse("a == 'x' && (!has(b) || c in {'1'}) && global() && all() && d contains 'y'");
        assertEquals(Selector.parse("pcns.a == 'x' && (!has(pcns.b) || pcns.c in {'1'}) && global() && all() "
                + "&& pcns.d contains 'y'"), s.withKeyPrefix("pcns."));
        assertEquals(Selector.all(), Selector.all().withKeyPrefix("pcns."));
    }

    @Test
    void usesGlobalLooksEverywhere() {
        assertTrue(Selector.parse("global()").usesGlobal());
        assertTrue(Selector.parse("a == 'x' || !(b == 'y' && global())").usesGlobal());
        assertFalse(Selector.parse("a == 'x' || !(b == 'y' && all())").usesGlobal());
    }

    @Test
    void calicoDocumentationExample() {
        // docs.tigera.io selector reference: "! has(my-label) || my-label starts with 'prod' && role in {...}"
        Selector s = Selector.parse("! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}");
        assertEquals("!has(my-label) || my-label starts with \"prod\" && role in {\"business\", \"frontend\"}", s.toString());
        assertTrue(s.matches(Map.of("role", "db")));
        assertTrue(s.matches(Map.of("my-label", "prod-1", "role", "business")));
        assertFalse(s.matches(Map.of("my-label", "prod-1", "role", "db")));
        assertFalse(s.matches(Map.of("my-label", "dev", "role", "frontend")));
    }

    @Test
    void wordOperatorsAreLexedAsCalicoLexesThem() {
        assertEquals(Selector.parse("a not in {'x'}"), Selector.parse("a notin{'x'}"));
        assertEquals(Selector.parse("a starts with 'x'"), Selector.parse("a startswith'x'"));
        assertEquals(Selector.parse("a ends with 'x'"), Selector.parse("a ends\twith 'x'"));
        assertTrue(matches("in == 'x' && contains == 'y' && has == 'z' && all == 'w'",
                Map.of("in", "x", "contains", "y", "has", "z", "all", "w")));
        assertEquals("selector: column 3: expected an operator (==, !=, in, not in, contains, starts with, ends with) "
                + "after label 'a', found 'index'", error("a index {'x'}"));
        assertEquals("selector: column 5: expected an operator (==, !=, in, not in, contains, starts with, ends with) "
                + "after label 'has', found '('", error("has ('a')"));
    }

    @Test
    void controlCharactersAndNewlinesAreRefused() {
        assertEquals("selector: column 9: control or invisible character U+000A", error("a == 'x'\n"));
        assertEquals("selector: column 8: control or invisible character U+202E", error("a == 'x\u202ey'"));
        assertTrue(matches("a\t==\t'x'", Map.of("a", "x")));
    }

    @Test
    void recordsRefuseWhatNoTextCouldSpell() {
        assertThrows(ValidationException.class, () -> new Selector.Eq("a b", "x"));
        assertThrows(ValidationException.class, () -> new Selector.Eq("a", "'\""));
        assertThrows(IllegalArgumentException.class, () -> new Selector.Not(new Selector.Not(new Selector.Has("a"))));
        assertThrows(IllegalArgumentException.class, () -> new Selector.And(List.of(new Selector.Has("a"))));
        assertThrows(IllegalArgumentException.class, () -> Selector.parse("a == 'x'").withKeyPrefix("bad prefix"));
    }

    @Test
    void namespaceSelectorsBecomeSelectorsOverCopiedNamespaceLabels() {
        Map<String, String> inProd = Map.of("pcns.env", "prod", Selector.NAMESPACE_LABEL, "prod");
        Map<String, String> globalSet = Map.of("env", "prod");
        Selector env = Selector.parse("env == 'prod'").overNamespaceLabels("pcns.");
        assertEquals(Selector.parse("pcns.env == 'prod'"), env);
        assertTrue(env.matches(inProd));
        Selector all = Selector.parse("all()").overNamespaceLabels("pcns.");
        assertEquals(Selector.parse("has(projectcalico.org/namespace)"), all);
        assertFalse(all.matches(globalSet));
        Selector global = Selector.parse("global()").overNamespaceLabels("pcns.");
        assertEquals(Selector.parse("!has(projectcalico.org/namespace)"), global);
        assertTrue(global.matches(globalSet));
        assertFalse(global.matches(inProd));
        assertEquals(Selector.parse("has(projectcalico.org/namespace)"),
                Selector.parse("!global()").overNamespaceLabels("pcns."));
    }
}
