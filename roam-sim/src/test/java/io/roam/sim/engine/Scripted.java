package io.roam.sim.engine;

import io.roam.sim.workload.Arrival;
import io.roam.sim.workload.Workload;
import java.util.ArrayList;
import java.util.List;

/** A workload written out by hand. */
final class Scripted implements Workload {
    private final List<Arrival> arrivals = new ArrayList<>();
    private int next;

    Scripted add(double time, double cpu, long memory, int origin) {
        arrivals.add(new Arrival(time, cpu, memory, origin));
        return this;
    }

    int size() { return arrivals.size(); }

    @Override public Arrival next() { return next < arrivals.size() ? arrivals.get(next++) : null; }

    @Override public String describe() { return "scripted, " + arrivals.size() + " processes"; }
}
