package io.roam.core.policy;

import java.util.ArrayList;
import java.util.List;

/** Hand-built {@link Residents}. */
final class FakeResidents implements Residents {
    record P(long id, double cpu, long memory, int migrations, boolean running) {}

    final List<P> list = new ArrayList<>();

    FakeResidents add(long id, double cpu, long memory) { list.add(new P(id, cpu, memory, 0, true)); return this; }

    FakeResidents add(long id, double cpu, long memory, int migrations, boolean running) {
        list.add(new P(id, cpu, memory, migrations, running));
        return this;
    }

    @Override public int count() { return list.size(); }

    @Override public long id(int i) { return list.get(i).id(); }

    @Override public double cpuSeconds(int i) { return list.get(i).cpu(); }

    @Override public double ageSeconds(int i) { return list.get(i).cpu() * 2; }

    @Override public long memoryBytes(int i) { return list.get(i).memory(); }

    @Override public int migrations(int i) { return list.get(i).migrations(); }

    @Override public boolean running(int i) { return list.get(i).running(); }
}
