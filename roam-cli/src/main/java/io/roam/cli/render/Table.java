package io.roam.cli.render;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: a header row and left-aligned columns two spaces apart; the last column is not padded. */
public final class Table {
    private static final String GAP = "  ";
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) { this.headers = List.of(headers); }

    public Table row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, the table " + headers.size() + " columns");
        }
        rows.add(List.of(cells));
        return this;
    }

    /** The width of every column but the last, as rendered, including the gaps: what is left for the last column. */
    public int widthBeforeLast() {
        int w = 0;
        for (int c = 0; c < headers.size() - 1; c++) w += width(c) + GAP.length();
        return w;
    }

    /** The rendered lines, each ending with a newline. */
    public String render() { return render(Integer.MAX_VALUE); }

    /** The rendered lines, with the last column cut to at most {@code lastColumnMax} characters. */
    public String render(int lastColumnMax) {
        var sb = new StringBuilder();
        line(sb, headers, lastColumnMax);
        for (List<String> r : rows) line(sb, r, lastColumnMax);
        return sb.toString();
    }

    private void line(StringBuilder sb, List<String> cells, int lastColumnMax) {
        int last = cells.size() - 1;
        for (int c = 0; c < last; c++) {
            String cell = cells.get(c);
            sb.append(cell).append(" ".repeat(width(c) - cell.length())).append(GAP);
        }
        sb.append(Human.truncate(cells.get(last), lastColumnMax)).append('\n');
    }

    private int width(int column) {
        int w = headers.get(column).length();
        for (List<String> r : rows) w = Math.max(w, r.get(column).length());
        return w;
    }
}
