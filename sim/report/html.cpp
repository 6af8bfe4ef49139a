#include "sim/report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

#include "sim/report/derived.h"
#include "sim/report/html_svg.h"
#include "sim/report/report.h"
#include "sim/report/run_view.h"
#include "sim/report/section.h"

namespace consim {

namespace {

using ojson = nlohmann::ordered_json;
using Buf = std::back_insert_iterator<std::string>;

constexpr Time kDefaultSpan = 50'000'000;  // 50 ms

// Readers of the report value that never throw: a key missing or of
// another type reads as 0 or "".
const ojson& at(const ojson& j, const char* k) {
  static const ojson null;
  if (!j.is_object()) return null;
  const auto it = j.find(k);
  return it == j.end() ? null : *it;
}
double num(const ojson& j, const char* k) {
  const ojson& v = at(j, k);
  return v.is_number() ? v.get<double>() : 0.0;
}
std::uint64_t cnt(const ojson& j, const char* k) {
  const ojson& v = at(j, k);
  return v.is_number_unsigned()  ? v.get<std::uint64_t>()
         : v.is_number_integer() ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, v.get<std::int64_t>()))
                                 : 0;
}
std::string txt(const ojson& j, const char* k) {
  const ojson& v = at(j, k);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}
std::string esc(const std::string& s) { return html_escape(s); }
std::string ms(double v) { return format_ms_json(v); }

std::string pct(double r) { return fmt::format("{:.1f}%", 100 * r); }
std::string interval_text(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return "no reads";
  const Interval i = wilson_interval(k, n);
  return fmt::format("{} [{}, {}]", pct(stale_rate(k, n)), pct(i.lo), pct(i.hi));
}

// A small horizontal bar, 0..100%: the interval as a band, the rate as a tick.
std::string interval_bar(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return "";
  const Interval i = wilson_interval(k, n);
  const double w = 140, r = stale_rate(k, n);
  return fmt::format(
      "<svg class=\"cibar\" width=\"{0:.0f}\" height=\"12\" viewBox=\"0 0 "
      "{0:.0f} 12\"><rect class=\"track\" x=\"0\" y=\"4\" "
      "width=\"{0:.0f}\" height=\"4\"/><rect class=\"ci\" x=\"{1:.1f}\" "
      "y=\"2\" width=\"{2:.1f}\" height=\"8\"/>"
      "<rect class=\"rate\" x=\"{3:.1f}\" y=\"0\" width=\"2\" "
      "height=\"12\"/></svg>",
      w, i.lo * w, std::max(1.0, (i.hi - i.lo) * w), std::min(w - 2, r * w));
}

struct RatePoint {
  std::string label;
  std::uint64_t stale = 0, reads = 0;
};

// P(stale) per point as a chart: a dot at the rate, a whisker over its 95%
// Wilson interval, the sample size under each point.
std::string rate_chart(const std::string& cls, const std::string& level, const std::vector<RatePoint>& pts,
                       const std::string& x_title) {
  const double H = 230, L = 56, R = 16, T = 24, B = 52;
  const double W = std::max(640.0, L + R + 72.0 * static_cast<double>(pts.size()));
  double top = 0.1;
  for (const RatePoint& p : pts)
    if (p.reads) top = std::max(top, wilson_interval(p.stale, p.reads).hi);
  // Grid lines every 10% up to 50%, else every 20%; the top a whole number of them.
  const int tenths = static_cast<int>(std::ceil(top * 10 - 1e-9));
  const int grid = tenths <= 5 ? 1 : 2;
  const int lines = std::min(10, (tenths + grid - 1) / grid * grid) / grid;
  top = static_cast<double>(lines * grid) / 10;
  auto y = [&](double r) { return T + (H - T - B) * (1 - r / top); };
  const double step = pts.empty() ? 1 : (W - L - R) / static_cast<double>(pts.size());
  std::string s;
  Buf out(s);
  fmt::format_to(out,
                 "<svg class=\"chart {}\" data-level=\"{}\" data-points=\"{}\" "
                 "width=\"{:.0f}\" height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\">",
                 cls, esc(level), pts.size(), W, H, W, H);
  fmt::format_to(out, "<text class=\"chart-title\" x=\"{:.0f}\" y=\"14\">{}</text>", L, esc(level));
  for (int g = 0; g <= lines; ++g) {
    const double r = static_cast<double>(g * grid) / 10;
    fmt::format_to(out,
                   "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" "
                   "x2=\"{:.1f}\" y2=\"{:.1f}\"/><text x=\"{:.1f}\" "
                   "y=\"{:.1f}\" text-anchor=\"end\">{:.0f}%</text>",
                   L, y(r), W - R, y(r), L - 6, y(r) + 4, 100 * r);
  }
  for (std::size_t i = 0; i < pts.size(); ++i) {
    const RatePoint& p = pts[i];
    const double x = L + step * (static_cast<double>(i) + 0.5);
    fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", x, H - B + 16,
                   esc(p.label));
    fmt::format_to(out,
                   "<text class=\"n\" x=\"{:.1f}\" y=\"{:.1f}\" "
                   "text-anchor=\"middle\">n={}</text>",
                   x, H - B + 30, p.reads);
    if (!p.reads) continue;
    const Interval ci = wilson_interval(p.stale, p.reads);
    const double r = stale_rate(p.stale, p.reads);
    fmt::format_to(out,
                   "<g class=\"point\"><title>{}: {} of {} reads stale, "
                   "P(stale) {} (95% Wilson interval {} to {})</title>"
                   "<line class=\"whisker\" x1=\"{:.1f}\" y1=\"{:.1f}\" "
                   "x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
                   "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"/></g>",
                   esc(p.label), p.stale, p.reads, pct(r), pct(ci.lo), pct(ci.hi), x, y(ci.lo), x, y(ci.hi), x, y(r));
  }
  fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>", L + (W - L - R) / 2, H - 6,
                 esc(x_title));
  fmt::format_to(out,
                 "<text x=\"12\" y=\"{:.1f}\" transform=\"rotate(-90 12 "
                 "{:.1f})\" text-anchor=\"middle\">P(stale)</text></svg>",
                 T + (H - T - B) / 2, T + (H - T - B) / 2);
  return s;
}

const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:16px 24px;max-width:1260px;color:#1d232a;background:#fff}
h1{font-size:22px;margin:4px 0}h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #d8dde3;padding-bottom:3px}
p.meta,p.note{color:#4a5560;margin:4px 0}nav a{margin-right:14px}
table{border-collapse:collapse;margin:6px 0}th,td{white-space:nowrap;padding:3px 10px;border-bottom:1px solid #e6e9ed;text-align:right;vertical-align:middle}
th{background:#f3f5f7;font-weight:600}td.l,th.l{text-align:left}td.wrap{white-space:normal}tr.stale td{background:#fdecec}
.pass{color:#17813a;font-weight:600}.fail{color:#c62828;font-weight:600}
pre{background:#f6f8fa;padding:10px;overflow:auto;font-size:12px}
svg text{font-size:11px;fill:#333}.axis line{stroke:#888}.axis line.grid,.chart line.grid{stroke:#e3e7eb}
.lane{stroke:#b8c0c8;stroke-width:1.5}.lane.client{stroke-dasharray:6 3}.lane-name{font-weight:600;font-size:12px}.lane-role{fill:#6b7680;font-size:10px}
.msg line{stroke-width:1.4}.msg:hover line{stroke-width:3}.msg .label{font-size:9px;paint-order:stroke;stroke:#fff;stroke-width:3px}
.k-client line{stroke:#1f6fb4}.k-repl line{stroke:#2a9d4b}.k-read line{stroke:#8a4fbf}.k-vote line{stroke:#e07b00}.k-other line{stroke:#7a7a7a}
.head.k-client{fill:#1f6fb4}.head.k-repl{fill:#2a9d4b}.head.k-read{fill:#8a4fbf}.head.k-vote{fill:#e07b00}.head.k-other{fill:#7a7a7a}
.msg.inflight line{stroke-dasharray:4 3}.msg.dropped line{stroke-dasharray:2 2}.cross{stroke:#c62828;stroke-width:2}
.stale-mark circle{fill:none;stroke:#d32f2f;stroke-width:3}.stale-mark line{stroke:#d32f2f;stroke-dasharray:3 2;stroke-width:1.5}.stale-mark text{fill:#d32f2f;font-weight:700}
.reply-mark circle{fill:#7b3fb5;stroke:#fff;stroke-width:1}.quorum-mark line{stroke:#2a9d4b;stroke-width:3}.quorum-mark text{fill:#2a9d4b;font-weight:700;font-size:10px}
.role-mark path{fill:#f2b600;stroke:#8a6a00}.role-mark text{fill:#8a6a00;font-weight:600}
.fault-mark rect{fill:#c62828}.fault-mark text{fill:#c62828;font-weight:600}
.band.down{fill:#9aa4ad;opacity:.25}.band.partition{fill:#e07b00;opacity:.10}
.op rect{stroke:#fff;stroke-width:.5}.op:hover rect{stroke:#000;stroke-width:1.5}.op text{font-size:10px;fill:#fff;pointer-events:none}
.op-ok rect{fill:#2e7d32}.op-stale rect{fill:#d32f2f}.op-failed rect{fill:#6d4c41}.op-unknown rect{fill:#9e9e9e}
.legend{margin:6px 0;font-size:13px}.legend label{margin-right:14px;white-space:nowrap}.sw{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle;border-radius:2px}
.hide-client .k-client,.hide-repl .k-repl,.hide-read .k-read,.hide-vote .k-vote,.hide-other .k-other{display:none}
.cibar .track{fill:#e6e9ed}.cibar .ci{fill:#f19a9a}.cibar .rate{fill:#b71c1c}
.chart .whisker{stroke:#b71c1c;stroke-width:2}.chart circle{fill:#b71c1c}.chart .n{fill:#6b7680;font-size:10px}.chart-title{font-weight:600;font-size:12px}
.scroll{overflow-x:auto}
.hists{display:flex;flex-wrap:wrap;gap:8px}.hists figure{margin:0}.hists figcaption{font-size:12px;color:#4a5560;margin-left:44px}
.hist .bin{fill:#5b8fc7}.hist .bin:hover{fill:#1f6fb4}.qtick line{stroke:#b71c1c;stroke-width:1.5;stroke-dasharray:3 2}.qtick text{fill:#b71c1c;font-size:10px}
.controls{margin:6px 0;font-size:13px}.controls label{margin-right:12px;white-space:nowrap}.controls input[type=number]{width:90px}
.controls button{margin-right:4px}#spacetime,#timeline{cursor:grab}.dragging #spacetime,.dragging #timeline{cursor:grabbing}
)css";

// The legend of the space-time diagram; its check boxes hide a kind of message.
const char* kLegend =
    "<div class=\"legend\" id=\"msg-legend\">"
    "<label><input type=\"checkbox\" data-kind=\"client\" checked><span "
    "class=\"sw\" style=\"background:#1f6fb4\"></span>client requests and "
    "replies</label>"
    "<label><input type=\"checkbox\" data-kind=\"repl\" checked><span "
    "class=\"sw\" style=\"background:#2a9d4b\"></span>replication</label>"
    "<label><input type=\"checkbox\" data-kind=\"read\" checked><span "
    "class=\"sw\" style=\"background:#8a4fbf\"></span>quorum and leader "
    "reads</label>"
    "<label><input type=\"checkbox\" data-kind=\"vote\" checked><span "
    "class=\"sw\" style=\"background:#e07b00\"></span>votes</label>"
    "<label><input type=\"checkbox\" data-kind=\"other\" checked><span "
    "class=\"sw\" style=\"background:#7a7a7a\"></span>repair, sync</label>"
    "<span>&#x2715; dropped &middot; dashed: never delivered &middot; "
    "<b style=\"color:#2a9d4b\">|W</b> write quorum reached &middot; <b "
    "style=\"color:#7b3fb5\">&#x25CF;</b> a reply a quorum read used &middot; <b "
    "style=\"color:#d32f2f\">&#x25EF;</b> stale read &middot; "
    "<b style=\"color:#f2b600\">&#x25C6;</b> role change &middot; <b "
    "style=\"color:#c62828\">&#x25A0;</b> fault (grey: node down or paused; "
    "orange: partition)</span></div>\n";

const char* kTimelineLegend =
    "<div class=\"legend\"><span class=\"sw\" "
    "style=\"background:#2e7d32\"></span>ok "
    "<span class=\"sw\" style=\"background:#d32f2f\"></span>stale "
    "<span class=\"sw\" style=\"background:#6d4c41\"></span>failed "
    "<span class=\"sw\" style=\"background:#9e9e9e\"></span>unknown (no answer "
    "by the end)</div>\n";

// Counts what the browser rendered (for tests and for the reader), and the
// legend's filters.
const char* kScript = R"js(
(function () {
  function byId(id) { return document.getElementById(id); }
  var st = byId('spacetime'), tl = byId('timeline'), c = byId('rendered-counts');
  var arrows = st.querySelectorAll('.msg').length, stale = st.querySelectorAll('.stale-mark').length;
  var ops = tl.querySelectorAll('.op').length;
  c.setAttribute('data-arrows', String(arrows));
  c.setAttribute('data-stale-marks', String(stale));
  c.setAttribute('data-operations', String(ops));
  var from = Number(st.getAttribute('data-from-ns')), to = Number(st.getAttribute('data-to-ns'));
  if (!(to > from)) to = from + 1;
  var L = Number(st.getAttribute('data-plot-x')), W = Number(st.getAttribute('data-plot-w'));
  var view = [from, to];
  var keySel = byId('key-filter'), cliSel = byId('client-filter'), fIn = byId('range-from'), tIn = byId('range-to');

  // The geometry of every element of the two plots, as drawn for the whole window.
  var geo = [];
  function remember(svg) {
    var plot = svg.querySelector('g[clip-path]');
    if (!plot) return;
    var els = plot.querySelectorAll('line,rect,circle,text,path');
    for (var i = 0; i < els.length; i++) {
      var e = els[i], t = e.tagName.toLowerCase(), g = { e: e, t: t };
      if (t === 'line') { g.x1 = Number(e.getAttribute('x1')); g.x2 = Number(e.getAttribute('x2')); }
      else if (t === 'rect') {
        g.x = Number(e.getAttribute('x')); g.w = Number(e.getAttribute('width'));
        g.stretch = !!(e.closest('.op') || e.classList.contains('band'));
      } else if (t === 'circle') g.x = Number(e.getAttribute('cx'));
      else if (t === 'text') g.x = Number(e.getAttribute('x'));
      else { var m = /M\s*(-?[0-9.]+)/.exec(e.getAttribute('d') || ''); g.x = m ? Number(m[1]) : L; }
      geo.push(g);
    }
  }
  remember(st);
  remember(tl);

  function fmtMs(ns) { return String(Number((ns / 1e6).toFixed(6))); }
  function axis(svg, map) {
    var a = svg.querySelector('g.axis');
    if (!a) return;
    if (!a._y) {
      var g0 = a.querySelector('line.grid'), t0 = a.querySelector('text');
      a._y = g0 ? [g0.getAttribute('y1'), g0.getAttribute('y2')] : ['0', '0'];
      a._ty = t0 ? t0.getAttribute('y') : '0';
    }
    var old = a.querySelectorAll('line.grid,text.tick,text[text-anchor="middle"]');
    for (var i = 0; i < old.length; i++) a.removeChild(old[i]);
    var span = (view[1] - view[0]) / 1e6, raw = Math.max(span, 1e-6) / 10, p = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (k) { return k * p; }).filter(function (s) { return s >= raw; })[0];
    var NS = svg.namespaceURI;
    for (var ms = Math.ceil(view[0] / 1e6 / step) * step; ms <= view[1] / 1e6 + step * 1e-9; ms += step) {
      var x = map(ms * 1e6);
      var ln = document.createElementNS(NS, 'line');
      ln.setAttribute('class', 'grid');
      ln.setAttribute('x1', x.toFixed(1)); ln.setAttribute('x2', x.toFixed(1));
      ln.setAttribute('y1', a._y[0]); ln.setAttribute('y2', a._y[1]);
      var tx = document.createElementNS(NS, 'text');
      tx.setAttribute('class', 'tick');
      tx.setAttribute('x', x.toFixed(1)); tx.setAttribute('y', a._ty); tx.setAttribute('text-anchor', 'middle');
      tx.textContent = fmtMs(Math.round(ms * 1e6));
      a.appendChild(ln); a.appendChild(tx);
    }
  }

  function place() {
    var k = (to - from) / (view[1] - view[0]), off = (from - view[0]) * W / (view[1] - view[0]);
    function m(x) { return L + (x - L) * k + off; }
    for (var i = 0; i < geo.length; i++) {
      var g = geo[i], e = g.e;
      if (g.t === 'line') { e.setAttribute('x1', m(g.x1).toFixed(1)); e.setAttribute('x2', m(g.x2).toFixed(1)); }
      else if (g.t === 'rect') {
        if (g.stretch) { e.setAttribute('x', m(g.x).toFixed(1)); e.setAttribute('width', Math.max(1, g.w * k).toFixed(1)); }
        else e.setAttribute('x', (m(g.x + g.w / 2) - g.w / 2).toFixed(1));
      } else if (g.t === 'circle') e.setAttribute('cx', m(g.x).toFixed(1));
      else if (g.t === 'text') e.setAttribute('x', m(g.x).toFixed(1));
      else e.setAttribute('transform', 'translate(' + (m(g.x) - g.x).toFixed(1) + ',0)');
    }
    var map = function (t) { return L + (t - view[0]) / (view[1] - view[0]) * W; };
    axis(st, map);
    axis(tl, map);
  }

  // Filters: key, client, time range (messages sent, operations invoked, stale reads answered in it).
  function apply() {
    var kv = keySel ? keySel.value : '', cv = cliSel ? cliSel.value : '';
    var els = document.querySelectorAll('#spacetime .msg, #spacetime .stale-mark, #timeline .op');
    var n = { msg: 0, 'stale-mark': 0, op: 0 };
    for (var i = 0; i < els.length; i++) {
      var e = els[i], t = Number(e.getAttribute('data-t'));
      var ok = t >= view[0] && t <= view[1];
      if (ok && kv !== '' && e.hasAttribute('data-key') && e.getAttribute('data-key') !== kv) ok = false;
      if (ok && cv !== '' && e.hasAttribute('data-client') && e.getAttribute('data-client') !== cv) ok = false;
      e.style.display = ok ? '' : 'none';
      if (ok) n[e.classList.contains('msg') ? 'msg' : e.classList.contains('op') ? 'op' : 'stale-mark'] += 1;
    }
    c.setAttribute('data-visible-arrows', String(n.msg));
    c.setAttribute('data-visible-stale-marks', String(n['stale-mark']));
    c.setAttribute('data-visible-operations', String(n.op));
    c.setAttribute('data-view-from-ns', String(view[0]));
    c.setAttribute('data-view-to-ns', String(view[1]));
    c.textContent = 'Rendered by this browser: ' + arrows + ' messages, ' + stale + ' stale marks, ' + ops +
        ' operations; shown with the filters, ' + fmtMs(view[0]) + ' ms to ' + fmtMs(view[1]) + ' ms: ' + n.msg +
        ' messages, ' + n['stale-mark'] + ' stale marks, ' + n.op + ' operations.';
    if (fIn) fIn.value = fmtMs(view[0]);
    if (tIn) tIn.value = fmtMs(view[1]);
  }

  function setView(a, b) {
    var span = Math.min(to - from, Math.max(1000, b - a));
    a = Math.max(from, Math.min(a, to - span));
    view = [Math.round(a), Math.round(a + span)];
    place();
    apply();
  }
  function zoom(f, at) {
    if (at === undefined) at = (view[0] + view[1]) / 2;
    setView(at - (at - view[0]) * f, at - (at - view[0]) * f + (view[1] - view[0]) * f);
  }
  function timeAt(svg, clientX) {
    var r = svg.getBoundingClientRect(), x = (clientX - r.left) * Number(svg.getAttribute('width')) / r.width;
    return view[0] + (x - L) / W * (view[1] - view[0]);
  }
  [st, tl].forEach(function (svg) {
    svg.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      zoom(ev.deltaY < 0 ? 0.8 : 1.25, timeAt(svg, ev.clientX));
    }, { passive: false });
    svg.addEventListener('mousedown', function (ev) {
      if (ev.button !== 0) return;
      var x0 = ev.clientX, v0 = view.slice(), r = svg.getBoundingClientRect();
      var perPx = (v0[1] - v0[0]) / W * Number(svg.getAttribute('width')) / r.width;
      document.body.classList.add('dragging');
      function move(e) { setView(v0[0] - (e.clientX - x0) * perPx, v0[1] - (e.clientX - x0) * perPx); }
      function up() {
        document.body.classList.remove('dragging');
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
      }
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
      ev.preventDefault();
    });
  });
  function on(id, f) { var b = byId(id); if (b) b.addEventListener('click', f); }
  on('zoom-in', function () { zoom(0.5); });
  on('zoom-out', function () { zoom(2); });
  on('zoom-reset', function () { setView(from, to); });
  function fromInputs() {
    var a = Math.round(parseFloat(fIn.value) * 1e6), b = Math.round(parseFloat(tIn.value) * 1e6);
    if (!isFinite(a)) a = from;
    if (!isFinite(b) || b <= a) b = to;
    setView(Math.max(from, a), Math.min(to, b));
  }
  if (fIn) fIn.addEventListener('change', fromInputs);
  if (tIn) tIn.addEventListener('change', fromInputs);
  if (keySel) keySel.addEventListener('change', apply);
  if (cliSel) cliSel.addEventListener('change', apply);
  var boxes = document.querySelectorAll('#msg-legend input');
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener('change', function (ev) {
      st.classList.toggle('hide-' + ev.target.getAttribute('data-kind'), !ev.target.checked);
    });
  }

  // The filters from the address: #key=K&client=NAME&from=MS&to=MS.
  function select(sel, v) {
    if (!sel) return;
    for (var i = 0; i < sel.options.length; i++) if (sel.options[i].value === v) sel.value = v;
  }
  var h = {}, parts = location.hash.replace(/^#/, '').split('&');
  for (var j = 0; j < parts.length; j++) {
    var kv = parts[j].split('=');
    if (kv.length === 2) h[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]);
  }
  if (h.key !== undefined) select(keySel, h.key);
  if (h.client !== undefined) select(cliSel, h.client);
  var a = h.from !== undefined ? Math.round(parseFloat(h.from) * 1e6) : from;
  var b = h.to !== undefined ? Math.round(parseFloat(h.to) * 1e6) : to;
  if (!isFinite(a)) a = from;
  if (!isFinite(b) || b <= a) b = to;
  view = [Math.max(from, a), Math.min(to, b)];
  if (!(view[1] > view[0])) view = [from, to];
  place();
  apply();
})();
)js";

void levels_html(Buf out, const ojson& report) {
  const ojson& levels = at(report, "levels");
  if (!levels.is_object() || levels.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"levels\">Reads per consistency level</h2>\n<table><tr><th "
                 "class=\"l\">level</th><th>reads</th>"
                 "<th>answered</th><th>failed</th><th>stale</th><th>P(stale) [95% "
                 "interval]</th><th></th>"
                 "<th>behind: mean, max</th><th>latency "
                 "p50</th><th>p99</th><th>max</th></tr>\n");
  for (const auto& [name, l] : levels.items()) {
    const std::uint64_t k = cnt(l, "stale_reads"), n = cnt(l, "answered");
    const ojson& lat = at(l, "latency_ms");
    fmt::format_to(out,
                   "<tr><td "
                   "class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</"
                   "td><td>{}</td><td>{}</td>"
                   "<td>{}, {}</td><td>{} ms</td><td>{} ms</td><td>{} ms</td></tr>\n",
                   esc(name), cnt(l, "reads"), n, cnt(l, "failed"), k, interval_text(k, n), interval_bar(k, n),
                   fmt::format("{:.2f}", num(l, "versions_behind_mean")), cnt(l, "versions_behind_max"),
                   ms(num(lat, "p50")), ms(num(lat, "p99")), ms(num(lat, "max")));
  }
  fmt::format_to(out,
                 "</table>\n<p class=\"note\">P(stale) = stale / "
                 "answered; the interval is the 95% Wilson score interval "
                 "of that proportion, n = answered.</p>\n");
}

void writes_html(Buf out, const ojson& report) {
  const ojson& writes = at(report, "writes");
  if (!writes.is_object() || writes.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"writes\">Writes</h2>\n<table><tr><th "
                 "class=\"l\">op</th><th>writes</th><th>acknowledged</th>"
                 "<th>failed</th><th>latency p50</th><th>p99</th><th>max</th></tr>\n");
  for (const auto& [name, x] : writes.items()) {
    const ojson& lat = at(x, "latency_ms");
    fmt::format_to(out,
                   "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} "
                   "ms</td><td>{} ms</td><td>{} ms</td></tr>\n",
                   esc(name), cnt(x, "writes"), cnt(x, "acked"), cnt(x, "failed"), ms(num(lat, "p50")),
                   ms(num(lat, "p99")), ms(num(lat, "max")));
  }
  fmt::format_to(out, "</table>\n");
}

// The run's latencies (from its trace) as histograms, one per read level and
// per kind of write: log-scaled bins, 10 per power of ten; the report's own
// p50, p99 and max beside each.
void latency_html(Buf out, const ojson& report, const std::map<std::string, LatencyBins>& latency) {
  if (latency.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"latency\">Latency distributions</h2>\n<p class=\"note\">Every answered read per "
                 "level and every acknowledged write of the run, from invocation to answer at the client "
                 "(the run's trace), in bins of a tenth of a power of ten; the ticks are the report's p50 "
                 "and p99.</p>\n<div class=\"hists\">\n");
  for (const auto& [group, lb] : latency) {
    if (lb.count == 0) continue;
    const bool get = group.rfind("get ", 0) == 0;
    const std::string name = get ? group.substr(4) : group;
    const ojson& lat = at(at(at(report, get ? "levels" : "writes"), name.c_str()), "latency_ms");
    int lo = LatencyBins::kBins, hi = -1;
    std::uint64_t top = 1;
    for (int b = 0; b < LatencyBins::kBins; ++b) {
      const std::uint64_t c = lb.bins[static_cast<std::size_t>(b)];
      if (!c) continue;
      lo = std::min(lo, b);
      hi = std::max(hi, b);
      top = std::max(top, c);
    }
    const double W = 380, H = 170, L = 44, R = 10, T = 22, B = 34;
    const double bw = (W - L - R) / static_cast<double>(hi - lo + 1);
    auto xb = [&](int b) { return L + bw * static_cast<double>(b - lo); };
    // The x of a latency (ms) on the log scale of the bins.
    auto xms = [&](double v) {
      const double f = v <= 1e-3 ? 0.0 : std::log10(v / 1e-3) * LatencyBins::kBinsPerDecade + 1;
      return L + bw * std::min(std::max(f - lo, 0.0), static_cast<double>(hi - lo + 1));
    };
    std::string s;
    Buf o(s);
    fmt::format_to(o,
                   "<svg class=\"hist\" data-group=\"{}\" data-count=\"{}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                   "viewBox=\"0 0 {:.0f} {:.0f}\">",
                   esc(group), lb.count, W, H, W, H);
    fmt::format_to(o, "<text class=\"chart-title\" x=\"{:.0f}\" y=\"14\">{}{}: {} {}</text>", L,
                   get ? "reads " : "writes ", esc(name), lb.count, get ? "answered" : "acknowledged");
    fmt::format_to(o, "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">{}</text>", L - 4, T + 4, top);
    fmt::format_to(o, "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">0</text>", L - 4, H - B);
    for (int b = lo; b <= hi; ++b) {
      const std::uint64_t c = lb.bins[static_cast<std::size_t>(b)];
      const double h = (H - T - B) * static_cast<double>(c) / static_cast<double>(top);
      const std::string range =
          b == 0 ? "below 0.001 ms"
                 : b == LatencyBins::kBins - 1
                       ? fmt::format("from {:.4g} ms", LatencyBins::bin_low_ms(b))
                       : fmt::format("{:.4g} to {:.4g} ms", LatencyBins::bin_low_ms(b), LatencyBins::bin_low_ms(b + 1));
      fmt::format_to(o,
                     "<rect class=\"bin\" data-n=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                     "height=\"{:.1f}\"><title>{}: {}</title></rect>",
                     c, xb(b) + 0.5, H - B - h, std::max(1.0, bw - 1), h, range, c);
    }
    // Decade labels under the axis.
    for (int b = lo; b <= hi + 1; ++b)
      if (b >= 1 && (b - 1) % LatencyBins::kBinsPerDecade == 0)
        fmt::format_to(o, "<text x=\"{:.1f}\" y=\"{:.0f}\" text-anchor=\"middle\">{:g}</text>", xb(b), H - B + 13,
                       LatencyBins::bin_low_ms(b));
    fmt::format_to(o, "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"middle\">latency (ms, log scale)</text>",
                   (L + W - R) / 2, H - 6);
    for (const char* q : {"p50", "p99"}) {
      if (!at(lat, q).is_number()) continue;
      const double x = xms(num(lat, q));
      fmt::format_to(o,
                     "<g class=\"qtick\"><title>{} {} ms (the report)</title><line x1=\"{:.1f}\" y1=\"{:.0f}\" "
                     "x2=\"{:.1f}\" y2=\"{:.0f}\"/><text x=\"{:.1f}\" y=\"{:.0f}\" "
                     "text-anchor=\"middle\">{}</text></g>",
                     q, ms(num(lat, q)), x, T + 6, x, H - B, x, T + 2, q);
    }
    s += "</svg>";
    fmt::format_to(out, "<figure>{}<figcaption>p50 {} ms, p99 {} ms, max {} ms</figcaption></figure>\n", s,
                   ms(num(lat, "p50")), ms(num(lat, "p99")), ms(num(lat, "max")));
  }
  fmt::format_to(out, "</div>\n");
}

void window_html(Buf out, const ojson& report) {
  const ojson& window = at(report, "window");
  if (!window.is_object() || window.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"window\">The stale-read window</h2>\n<p "
                 "class=\"note\">P(stale) by the time &Delta; from the newest "
                 "acknowledged write of the key to the read; dots are the rate, whiskers "
                 "its 95% Wilson interval, n the answered reads in the bucket.</p>\n");
  for (const auto& [name, buckets] : window.items()) {
    std::vector<RatePoint> pts;
    std::string rows;
    for (const ojson& b : buckets) {
      const ojson& hi = at(b, "hi_ms");
      RatePoint p;
      p.label = hi.is_null() ? fmt::format("\u2265{}", ms(num(b, "lo_ms")))
                             : fmt::format("{}-{}", ms(num(b, "lo_ms")), ms(num(b, "hi_ms")));
      p.stale = cnt(b, "stale_reads");
      p.reads = cnt(b, "reads");
      rows += fmt::format(
          "<tr><td class=\"l\">{} "
          "ms</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
          p.label, p.reads, p.stale, interval_text(p.stale, p.reads), interval_bar(p.stale, p.reads));
      pts.push_back(std::move(p));
    }
    fmt::format_to(out, "<div class=\"scroll\">{}</div>\n",
                   rate_chart("window-chart", name, pts, "time since the newest acknowledged write (ms)"));
    fmt::format_to(out,
                   "<details><summary>{}: the numbers</summary><table><tr><th "
                   "class=\"l\">&Delta;</th><th>n (answered)</th><th>stale</th>"
                   "<th>P(stale) [95% "
                   "interval]</th><th></th></tr>\n{}</table></details>\n",
                   esc(name), rows);
  }
}

void probe_html(Buf out, const ojson& report) {
  const ojson& probe = at(report, "probe");
  if (!probe.is_object() || probe.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"probe\">The probe curve</h2>\n<p class=\"note\">The "
                 "probe writes a key and reads it back after each delay: "
                 "P(stale) per delay, with its 95% Wilson interval and n, the "
                 "probe reads answered at that delay.</p>\n");
  for (const auto& [name, cells] : probe.items()) {
    std::vector<RatePoint> pts;
    std::string rows;
    for (const ojson& c : cells) {
      RatePoint p;
      p.label = ms(num(c, "delay_ms"));
      p.stale = cnt(c, "stale_reads");
      p.reads = cnt(c, "reads");
      rows += fmt::format(
          "<tr><td>{} "
          "ms</td><td>{}</td><td>{}</td><td>{}</td><td>{}</"
          "td><td>{}</td></tr>\n",
          p.label, p.reads, p.stale, cnt(c, "failed"), interval_text(p.stale, p.reads), interval_bar(p.stale, p.reads));
      pts.push_back(std::move(p));
    }
    fmt::format_to(out, "<div class=\"scroll\">{}</div>\n",
                   rate_chart("probe-chart", name, pts, "delay after the acknowledgement (ms)"));
    fmt::format_to(out,
                   "<details><summary>{}: the "
                   "numbers</summary><table><tr><th>delay</th><th>n "
                   "(answered)</th><th>stale</th><th>failed</th>"
                   "<th>P(stale) [95% "
                   "interval]</th><th></th></tr>\n{}</table></details>\n",
                   esc(name), rows);
  }
  const ojson& summary = at(report, "probe_summary");
  if (summary.is_object()) {
    std::string s;
    for (const auto& [name, l] : at(summary, "levels").items()) {
      const ojson& t = at(l, "t_below_target_ms");
      s += fmt::format("{}{}: {}", s.empty() ? "" : "; ", esc(name),
                       t.is_null() ? std::string("never") : "from " + ms(t.get<double>()) + " ms");
    }
    fmt::format_to(out, "<p class=\"note\">P(stale) below {} {}.</p>\n", pct(num(summary, "target_stale")), s);
  }
}

void script_html(Buf out, const ojson& report) {
  const ojson& script = at(report, "script");
  if (!script.is_array() || script.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"script\">Scripted operations</h2>\n<table><tr><th>at</th><th "
                 "class=\"l\">client</th><th class=\"l\">node</th>"
                 "<th class=\"l\">operation</th><th "
                 "class=\"l\">result</th><th>latency</th><th "
                 "class=\"l\">label</th></tr>\n");
  for (const ojson& x : script) {
    const std::string op = txt(x, "op");
    const bool get = op == "get";
    const std::string what = get           ? fmt::format("GET {} ({})", txt(x, "key"), txt(x, "level"))
                             : op == "put" ? fmt::format("PUT {} = {}", txt(x, "key"), txt(x, "put_value"))
                                           : fmt::format("DELETE {}", txt(x, "key"));
    const bool ok = at(x, "ok").is_boolean() && at(x, "ok").get<bool>();
    const bool stale = at(x, "stale").is_boolean() && at(x, "stale").get<bool>();
    std::string result =
        !ok   ? "FAILED: " + txt(x, "error")
        : get ? fmt::format("{} {} from {}{}", txt(x, "value"), txt(x, "version_text"), txt(x, "served_by"),
                            stale ? " STALE (newest acknowledged " + txt(x, "newest_acked_text") + ")" : "")
              : "ok " + txt(x, "version_text");
    const ojson& lat = at(x, "latency_ms");
    fmt::format_to(out,
                   "<tr{}><td>{} ms</td><td class=\"l\">client-{}</td><td "
                   "class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td>"
                   "<td>{}</td><td class=\"l wrap\">{}</td></tr>\n",
                   stale ? " class=\"stale\"" : "", ms(num(x, "at_ms")), cnt(x, "client"), esc(txt(x, "node")),
                   esc(what), esc(result), lat.is_number() ? ms(lat.get<double>()) + " ms" : "-", esc(txt(x, "label")));
  }
  fmt::format_to(out, "</table>\n");
}

void expectations_html(Buf out, const ojson& report) {
  const ojson& ex = at(report, "expectations");
  if (!ex.is_array() || ex.empty()) return;
  fmt::format_to(out,
                 "<h2 id=\"expectations\">Expectations</h2>\n<table><tr><th "
                 "class=\"l\">path</th><th class=\"l\">test</th>"
                 "<th class=\"l\">actual</th><th class=\"l\"></th><th "
                 "class=\"l\">note</th></tr>\n");
  for (const ojson& e : ex) {
    const bool pass = at(e, "pass").is_boolean() && at(e, "pass").get<bool>();
    fmt::format_to(out,
                   "<tr><td class=\"l\">{}</td><td class=\"l\">{} {}</td><td "
                   "class=\"l\">{}</td><td class=\"l {}\">{}</td><td "
                   "class=\"l\">{}</td></tr>\n",
                   esc(txt(e, "path")), esc(txt(e, "op")), esc(at(e, "value").dump()), esc(at(e, "actual").dump()),
                   pass ? "pass" : "fail", pass ? "pass" : "FAIL", esc(txt(e, "note")));
  }
  fmt::format_to(out, "</table>\n");
}

void checks_html(Buf out, const ojson& report) {
  fmt::format_to(out, "<h2 id=\"checks\">Guarantees and books</h2>\n<table>\n");
  auto row = [&](const std::string& what, const std::string& value) {
    fmt::format_to(out, "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>\n", esc(what), esc(value));
  };
  const ojson& v = at(report, "violations");
  if (v.is_object())
    row("session violations", fmt::format("read-your-writes {}, monotonic reads {}, writes reordered "
                                          "{} (of {} reads checked)",
                                          cnt(v, "read_your_writes"), cnt(v, "monotonic_reads"),
                                          cnt(v, "writes_reordered"), cnt(v, "reads_checked")));
  const ojson& lw = at(report, "lost_writes");
  if (lw.is_object())
    row("lost writes",
        fmt::format("{} of {} checked (reference {})", cnt(lw, "lost"), cnt(lw, "checked"), txt(lw, "reference")));
  const ojson& cv = at(report, "convergence");
  if (cv.is_object())
    row("convergence", fmt::format("{} of {} tracked writes reached every live "
                                   "replica; p50 {} ms, p99 {} ms",
                                   cnt(cv, "converged"), cnt(cv, "tracked"), ms(num(at(cv, "time_ms"), "p50")),
                                   ms(num(at(cv, "time_ms"), "p99"))));
  const ojson& el = at(report, "elections");
  if (el.is_object())
    row("elections", fmt::format("{} leader changes, max term {}, at most {} "
                                 "leaders at once, {} ms without a leader",
                                 cnt(el, "leader_changes"), cnt(el, "max_term"), cnt(el, "max_simultaneous_leaders"),
                                 ms(num(el, "time_without_leader_ms"))));
  const ojson& en = at(report, "engine");
  if (en.is_object())
    row("messages",
        fmt::format("{} sent, {} delivered, {} dropped, {} duplicated", cnt(en, "messages_sent"),
                    cnt(en, "messages_delivered"), cnt(en, "messages_dropped"), cnt(en, "messages_duplicated")));
  fmt::format_to(out, "</table>\n");
}

}  // namespace

std::string html_page(const ojson& report, const RunView& world, const RunWindow& window,
                      const std::string& window_note, const std::map<std::string, LatencyBins>& latency) {
  const ojson& sc = at(report, "scenario");
  std::string s;
  Buf out(s);
  fmt::format_to(out,
                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
                 "charset=\"utf-8\">\n<title>consim: "
                 "{}</title>\n<style>{}</style>\n</head>\n<body>\n",
                 esc(txt(sc, "name")), kStyle);
  fmt::format_to(out, "<header><h1>{}</h1>\n", esc(txt(sc, "name")));
  if (!txt(sc, "description").empty()) fmt::format_to(out, "<p>{}</p>\n", esc(txt(sc, "description")));
  const bool strict = at(sc, "strict_quorum").is_boolean() && at(sc, "strict_quorum").get<bool>();
  fmt::format_to(out,
                 "<p class=\"meta\">Scenario <code>{}</code>, seed {}: {} mode, {} nodes, "
                 "{} replicas per key, W={}, R={} "
                 "({}), {} ms. consim {}. Times are virtual milliseconds.</p></header>\n",
                 esc(txt(sc, "source")), esc(txt(sc, "seed")), esc(txt(sc, "replication")), cnt(sc, "nodes"),
                 cnt(sc, "replicas"), cnt(sc, "write_quorum"), cnt(sc, "read_quorum"),
                 strict ? "R + W &gt; N: strict quorum" : "R + W &le; N: not a strict quorum",
                 ms(num(sc, "duration_ms")), esc(txt(report, "consim_version")));
  fmt::format_to(out,
                 "<nav><a href=\"#diagram\">messages</a><a href=\"#ops\">operations</a><a "
                 "href=\"#levels\">reads</a>"
                 "<a href=\"#latency\">latency</a><a href=\"#window\">window</a><a href=\"#probe\">probe</a><a "
                 "href=\"#script\">script</a><a href=\"#text\">text report</a></nav>\n");

  fmt::format_to(out,
                 "<h2 id=\"diagram\">Messages, time-scaled: {} ms to {} ms</h2>\n<p "
                 "class=\"note\">{} Each arrow runs from "
                 "its send time to its delivery time: a slope is a delay. Hover an arrow "
                 "or a mark for the message: kind, key, value, version, term.",
                 format_ms(window.from), format_ms(window.to), esc(window_note));
  if (window.heartbeats)
    fmt::format_to(out, " {} heartbeats and replies in the window are not drawn.", window.heartbeats);
  if (window.messages_cut)
    fmt::format_to(out,
                   " <b>Cut:</b> {} more messages sent in the window are not "
                   "drawn (at most {}); narrow the window with "
                   "--html-from-ms / --html-to-ms.",
                   window.messages_cut, window.messages.size());
  if (window.marks_cut)
    fmt::format_to(out, " <b>Cut:</b> {} more marks ({} of them stale reads) in the window are not drawn (at most {}).",
                   window.marks_cut, window.stale_marks_cut, window.marks.size());
  // The filters and the zoom: both views show the same time range.
  std::string filter = "<div class=\"controls\" id=\"controls\">";
  const std::vector<std::string> keys = window_keys(window, world);
  if (keys.size() > 1) {
    filter += "<label>Key: <select id=\"key-filter\"><option value=\"\">every key</option>";
    for (const std::string& k : keys) filter += fmt::format("<option value=\"{0}\">{0}</option>", esc(k));
    filter += "</select></label>";
  }
  const std::vector<std::string> clients = window_clients(window, world);
  if (clients.size() > 1) {
    filter += "<label>Client: <select id=\"client-filter\"><option value=\"\">every client</option>";
    for (const std::string& k : clients) filter += fmt::format("<option value=\"{0}\">{0}</option>", esc(k));
    filter += "</select></label>";
  }
  fmt::format_to(Buf(filter),
                 "<label>From <input type=\"number\" id=\"range-from\" step=\"any\" value=\"{0}\" min=\"{0}\" "
                 "max=\"{1}\"> ms</label><label>to <input type=\"number\" id=\"range-to\" step=\"any\" "
                 "value=\"{1}\" min=\"{0}\" max=\"{1}\"> ms</label>"
                 "<button type=\"button\" id=\"zoom-in\">zoom in</button><button type=\"button\" "
                 "id=\"zoom-out\">zoom out</button><button type=\"button\" id=\"zoom-reset\">whole window</button>"
                 "<br><span class=\"note\">Wheel over a diagram zooms, drag pans; both diagrams show the same "
                 "range, and only the messages sent, operations invoked and stale reads answered in it (of the key "
                 "and client chosen). The address can set them: #key=K&amp;client=NAME&amp;from=MS&amp;to=MS.</span>"
                 "</div>\n",
                 format_ms(window.from), format_ms(window.to));
  fmt::format_to(out, "</p>\n{}{}<div class=\"scroll\">{}</div>\n", kLegend, filter, space_time_svg(window, world));

  fmt::format_to(out,
                 "<h2 id=\"ops\">Operations: {} ms to {} ms</h2>\n<p class=\"note\">One "
                 "track per client; each operation "
                 "a bar from its invocation to its answer. Hover a bar for its details.",
                 format_ms(window.from), format_ms(window.to));
  if (window.ops_cut)
    fmt::format_to(out,
                   " <b>Cut:</b> {} more operations invoked in the window are "
                   "not drawn (at most {}).",
                   window.ops_cut, window.ops.size());
  fmt::format_to(out, "</p>\n{}<div class=\"scroll\">{}</div>\n", kTimelineLegend, timeline_svg(window, world));
  fmt::format_to(out, "<p class=\"note\" id=\"rendered-counts\"></p>\n");

  levels_html(out, report);
  window_html(out, report);
  probe_html(out, report);
  writes_html(out, report);
  latency_html(out, report, latency);
  script_html(out, report);
  expectations_html(out, report);
  checks_html(out, report);
  std::string text;
  try {
    text = render_text(report);
  } catch (const nlohmann::json::exception&) {
    text = "(this report cannot be rendered as text)";
  }
  fmt::format_to(out,
                 "<h2 id=\"text\">The text report</h2>\n<details><summary>as <code>consim "
                 "run</code> prints it</summary><pre>{}</pre></details>\n",
                 esc(text));
  fmt::format_to(out, "<script>{}</script>\n</body>\n</html>\n", kScript);
  return s;
}

std::string html_from_trace_file(const std::string& trace_path, const RunView& world, const ojson& report,
                                 const HtmlOptions& opt) {
  const TraceScan scan = scan_trace(trace_path, probe_client_index(world.scenario()));
  WindowOptions wo;
  wo.max_messages = opt.max_messages;
  wo.max_ops = opt.max_ops;
  std::string note;
  if (opt.from && opt.to) {
    wo.from = *opt.from;
    wo.to = *opt.to;
    note = "The window chosen with --html-from-ms / --html-to-ms.";
  } else if (opt.from) {
    wo.from = *opt.from;
    wo.to = *opt.from + kDefaultSpan;
    note = "The window chosen with --html-from-ms (50 ms wide).";
  } else if (opt.to) {
    wo.to = *opt.to;
    wo.from = std::max<Time>(0, *opt.to - kDefaultSpan);
    note = "The window chosen with --html-to-ms (50 ms wide).";
  } else {
    wo.from = scan.from;
    wo.to = scan.to;
    note = scan.around == TraceScan::Around::stale
               ? "The slice of the run around its first stale read (choose another with --html-from-ms / "
                 "--html-to-ms)."
           : scan.around == TraceScan::Around::fault
               ? "No read was stale: the slice of the run around its first fault, a " + scan.fault +
                     " (choose another with --html-from-ms / --html-to-ms)."
               : "No read was stale and nothing failed: the first 50 ms of the run.";
  }
  return html_page(report, world, read_run_window(trace_path, world, wo), note, scan.latency);
}

}  // namespace consim
