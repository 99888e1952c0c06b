package org.jcalico.bgp;

import java.nio.file.Path;
import java.util.Optional;

/** What the agent asks of its node's BIRD ({@link BirdDaemon}); the agent's tests answer in its place to time it. */
public interface BirdControl {
    /** BIRD's verdict on a configuration without applying it: empty if it would accept it, else its message. */
    Optional<String> check(String config);

    /** Makes BIRD run with this configuration; what was done, or empty when nothing was needed. */
    Optional<String> ensure(String config);

    /** BIRD's control socket, for messages. */
    Path socket();
}
