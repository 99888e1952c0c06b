package org.jcalico.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How messages show a caller's text: written out, cut, and saying how much was left out. */
class ShownTest {
    @Test
    void controlFormatAndSeparatorCharactersAreWrittenOut() {
        assertEquals("a\\nb\\tc\\x1b\\x85\\u2028\\u202e", Shown.escaped("a\nb\tc\u001b\u0085\u2028\u202e"));
        assertEquals("é 😀", Shown.escaped("é 😀"), "printable text stays as it is");
    }

    @Test
    void aValueIsCutAfterItsLimitSayingHowMuchMoreThereWas() {
        String longest = "x".repeat(Shown.MAX_CHARACTERS);
        assertEquals(longest, Shown.value(longest));
        assertEquals(longest + "... (5 more characters)", Shown.value(longest + "yyyyy"));
        String pair = "x".repeat(Shown.MAX_CHARACTERS - 1) + "😀";
        assertEquals("x".repeat(Shown.MAX_CHARACTERS - 1) + "... (3 more characters)", Shown.value(pair + "z"),
                "a surrogate pair is never cut in two");
        assertEquals("null", Shown.value(null));
        assertEquals(Shown.MAX_MESSAGE + 23, Shown.message("m".repeat(Shown.MAX_MESSAGE + 7)).length());
    }

    @Test
    void aListShowsItsFirstNamesAndHowManyMore() {
        assertEquals("a, b", Shown.names(List.of("a", "b")));
        assertEquals("a, b, c, d, e and 2 more", Shown.names(List.of("a", "b", "c", "d", "e", "f", "g")));
        assertEquals("\\x1b, " + "n".repeat(Shown.MAX_CHARACTERS) + "... (1 more characters)",
                Shown.names(List.of("\u001b", "n".repeat(Shown.MAX_CHARACTERS + 1))));
    }
}
