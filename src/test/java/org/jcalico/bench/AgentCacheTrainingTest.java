package org.jcalico.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The classes of an etcd agent's start that the training loads for the etcd cache are classes of this build. */
class AgentCacheTrainingTest {
    @Test
    void everyClassListedForTheCacheIsFound() {
        List<String> listed = AgentCacheTraining.etcdStartClasses();
        assertTrue(listed.size() > 1000, "the list is read: " + listed.size());
        List<String> missing = listed.stream().filter(name -> {
            try {
                Class.forName(name, false, AgentCacheTrainingTest.class.getClassLoader());
                return false;
            } catch (ClassNotFoundException | LinkageError e) {
                return true;
            }
        }).toList();
        assertEquals(List.of(), missing, "renamed or gone: list the agent's start's classes again (docs/agent.md,"
                + " \"Start-up of the agent\", sessions 36 and 37)");
        assertEquals(listed.size(), AgentCacheTraining.loadEtcdStartClasses());
    }
}
