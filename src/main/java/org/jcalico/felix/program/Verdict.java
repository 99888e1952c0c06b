package org.jcalico.felix.program;

/** What a rule does with a packet it matches. Accept, Drop, Return and Goto end the chain; the others go on. */
public sealed interface Verdict {
    Accept ACCEPT = new Accept();
    Drop DROP = new Drop();
    Return RETURN = new Return();

    /** The packet passes this hook point of the kernel. */
    record Accept() implements Verdict {
    }

    record Drop() implements Verdict {
    }

    /** Back to the chain that jumped here (a built-in chain's policy if none). */
    record Return() implements Verdict {
    }

    /** Run the chain, then come back to the next rule here (unless it decided). */
    record Jump(String chain) implements Verdict {
    }

    /** Continue in the chain and do not come back here: its RETURN returns to whoever jumped here. */
    record Goto(String chain) implements Verdict {
    }

    /** Set the mark bits; the packet goes on to the next rule. */
    record SetMark(int bits) implements Verdict {
    }

    /** Clear the mark bits; the packet goes on to the next rule. */
    record ClearMark(int bits) implements Verdict {
    }

    /**
     * Log the packet to a log group with this prefix (letters, digits, '.', '-', '_', '/', ':', at most 64) and go
     * on. Group {@link #RULES_GROUP} takes the Log action's packets, {@link DropLog#GROUP} the denied flows.
     */
    record Log(String prefix, int group) implements Verdict {
        public static final int RULES_GROUP = 1;

        public Log {
            if (!prefix.matches("[A-Za-z0-9._/:-]{1,64}")) {
                throw new IllegalArgumentException("log prefix '" + prefix + "' has characters a log prefix cannot");
            }
        }

        /** A Log rule's packet. */
        public Log(String prefix) {
            this(prefix, RULES_GROUP);
        }
    }

    /** Rewrite the source address to the outgoing interface's (NAT). */
    record Masquerade() implements Verdict {
    }
}
