package org.jcalico.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each rule of AsciiNames accepts exactly what the regular expression it replaced accepted. */
class AsciiNamesTest {
    /** Every kind of character the rules tell apart, and some they must refuse (non-ASCII letters and digits). */
    private static final String ALPHABET = "azAZ09mQ5_.-:/ \u00e9\u0661\u212a\u0000";

    @Test
    void eachRuleAcceptsWhatItsExpressionAccepted() {
        same("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", text -> AsciiNames.isName(text, 63, false, false), 70);
        same("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}", text -> AsciiNames.isName(text, 15, true, false), 20);
        same("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?", text -> AsciiNames.isName(text, 63, false, true), 70);
        same("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", text -> AsciiNames.isDnsLabel(text, 0, text.length(), 63), 70);
        same("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", AsciiNames::isDnsSubdomain, 300);
    }

    /** MACs with none, one or two characters replaced, and cut or lengthened by one. */
    @Test
    void theMacRuleAcceptsWhatItsExpressionAccepted() {
        Pattern pattern = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        Random random = new Random(17);
        int accepted = 0;
        for (int run = 0; run < 200_000; run++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 17; i++) {
                text.append(i % 3 == 2 ? ':' : "0123456789abcdef".charAt(random.nextInt(16)));
            }
            for (int change = random.nextInt(3); change > 0; change--) {
                text.setCharAt(random.nextInt(17), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            switch (random.nextInt(8)) {
                case 0 -> text.setLength(16);
                case 1 -> text.append('0');
                default -> { }
            }
            boolean expected = pattern.matcher(text).matches();
            assertEquals(expected, AsciiNames.isMac(text.toString()), "\"" + text + "\"");
            accepted += expected ? 1 : 0;
        }
        assertEquals(true, accepted > 1_000, "accepted only " + accepted + " of the strings: too few to compare");
    }

    @Test
    void theEdgesOfEachRule() {
        for (String text : List.of("", "a", "_", "-", ".", "..", "a-", "a.", "a_", "-a", ".a", "a".repeat(15), "a".repeat(16),
                "a".repeat(62), "a".repeat(63), "a".repeat(64), "a.b", "a..b", ".a.b", "a.b.", "a-.b", "A", "\u212a",
                "02:42:ac:11:00:02", "02:42:AC:11:00:02", "02:42:ac:11:00:0", "02-42-ac-11-00-02", "02:42:ac:11:00:02:")) {
            assertEquals(matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", text), AsciiNames.isName(text, 63, false, false), text);
            assertEquals(matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}", text), AsciiNames.isName(text, 15, true, false), text);
            assertEquals(matches("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?", text), AsciiNames.isName(text, 63, false, true), text);
            assertEquals(matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", text), AsciiNames.isDnsLabel(text, 0, text.length(), 63), text);
            assertEquals(matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", text),
                    AsciiNames.isDnsSubdomain(text), text);
            assertEquals(matches("([0-9a-f]{2}:){5}[0-9a-f]{2}", text), AsciiNames.isMac(text), text);
        }
    }

    /** Random strings, mostly of characters the rule allows so that many pass, at every length up to MAX_LENGTH. */
    private static void same(String expression, Predicate<String> rule, int maxLength) {
        Pattern pattern = Pattern.compile(expression);
        Random random = new Random(expression.hashCode());
        int accepted = 0;
        for (int run = 0; run < 200_000; run++) {
            int length = random.nextInt(maxLength + 1);
            StringBuilder text = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                text.append(random.nextInt(20) == 0 ? ALPHABET.charAt(random.nextInt(ALPHABET.length()))
                        : "abcdef0123456789-._:".charAt(random.nextInt(run % 2 == 0 ? 16 : 20)));
            }
            boolean expected = pattern.matcher(text).matches();
            assertEquals(expected, rule.test(text.toString()), expression + " on \"" + text + "\"");
            accepted += expected ? 1 : 0;
        }
        assertEquals(true, accepted > 1_000, expression + " accepted only " + accepted + " of the strings: too few to compare");
    }

    private static boolean matches(String expression, String text) {
        return Pattern.matches(expression, text);
    }
}
