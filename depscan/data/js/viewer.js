/* depscan's diagram viewer: draws the page's data (depscan/analysis/explore.py) with dagre, lets the
   reader pan, zoom, search, open and close groups, see a module's imports and importers, the chain
   from the roots, the cycles and the missing modules, and filter by category. Everything from the
   analysed tree is inserted as text (textContent, setAttribute), never as markup. */
(function () {
  "use strict";
  var root = document.getElementById("depscan-viewer");
  var source = document.getElementById("depscan-viewer-data");
  if (!root || !source || typeof dagre === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var FONT = 13, FONT_FAMILY = "Helvetica, Arial, sans-serif", MIN_SCALE = 0.85;
  // Fit goes no smaller than READABLE (a 13 px label at 9 px); past MAX_BOXED drawn nodes no package boxes
  // (dagre's compound layout of Django's 251 modules takes 6 s, against 2.3 s without)
  var READABLE = 0.7, MAX_BOXED = 120, BOX = "box\u0000";
  var CATEGORIES = [["project", "project"], ["third_party", "third-party"], ["stdlib", "stdlib"],
    ["missing", "missing"]];
  var mods = data.modules, count = mods.length;
  var byName = {};
  mods.forEach(function (m, i) { byName[m.name] = i; });
  var forward = [], imports = [], importers = [];
  for (var i = 0; i < count; i++) { forward.push([]); imports.push([]); importers.push([]); }
  data.imports.forEach(function (e) {
    forward[e[0]].push(e[1]);
    if (e[3] === "import") { imports[e[0]].push(e); importers[e[1]].push(e); }
  });
  var cycleOf = {};
  data.cycles.forEach(function (members, c) { members.forEach(function (m) { cycleOf[m] = c; }); });
  var isRoot = {};
  data.roots.forEach(function (r) { isRoot[r] = true; });

  var level = [], revealed = [], filter = {}, selected = null, chain = null, nodes = {}, scale = 1, hovered = null;
  var pan = {x: 0, y: 0};

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function svg(tag, attributes, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- the page's parts ---
  var bar = el("div", {"class": "dv-bar"});
  var search = el("input", {type: "search", placeholder: "Find a module\u2026", list: "dv-names",
    "aria-label": "Find a module", "class": "dv-search"});
  var names = el("datalist", {id: "dv-names"});
  mods.forEach(function (m) { names.appendChild(el("option", {value: m.name})); });
  var status = el("span", {"class": "dv-status", role: "status"});
  bar.appendChild(search);
  bar.appendChild(names);
  var boxes = {};
  CATEGORIES.forEach(function (c) {
    var label = el("label", {"class": "dv-filter dv-" + c[0]});
    var box = el("input", {type: "checkbox", "data-category": c[0]});
    box.addEventListener("change", function () { filter[c[0]] = box.checked; draw(false); });
    boxes[c[0]] = box;
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + c[1]));
    bar.appendChild(label);
  });
  function button(text, action, title) {
    var b = el("button", {type: "button", title: title || text}, text);
    b.addEventListener("click", action);
    bar.appendChild(b);
    return b;
  }
  button("\u2212", function () { zoomBy(1 / 1.25); }, "Zoom out");
  button("+", function () { zoomBy(1.25); }, "Zoom in");
  button("Fit", function () { fit(true); }, "Fit the diagram in the window");
  button("Reset", function () { reset(); draw(true); }, "Back to the default view");
  var cyclesButton = button("Cycles (" + data.cycles.length + ")", showCycles, "The import cycles");
  var missingCount = mods.filter(function (m) { return m.category === "missing"; }).length;
  button("Missing (" + missingCount + ")", showMissing, "The modules not found");
  bar.appendChild(status);
  var stage = el("div", {"class": "dv-stage"});
  var canvas = svg("svg", {"class": "dv-svg", role: "img", "aria-label": "dependency diagram"});
  var defs = svg("defs");
  [["dv-arrow", "#555"], ["dv-arrow-red", "#d62728"], ["dv-arrow-hi", "#e67700"]].forEach(function (a) {
    var marker = svg("marker", {id: a[0], viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7",
      markerHeight: "7", orient: "auto-start-reverse"});
    marker.appendChild(svg("path", {d: "M 0 0 L 10 5 L 0 10 z", fill: a[1]}));
    defs.appendChild(marker);
  });
  canvas.appendChild(defs);
  var scene = svg("g", {"class": "dv-scene"});
  canvas.appendChild(scene);
  stage.appendChild(canvas);
  var panel = el("aside", {"class": "dv-panel", "aria-live": "polite"});
  stage.appendChild(panel);
  root.appendChild(bar);
  root.appendChild(stage);
  var help = el("p", {"class": "dv-help"},
    "Drag to pan, wheel to zoom. Click a group (a box with a count) to open it, a module to see its " +
    "imports; click the name of a package's frame, Alt-click a node, or \u201cCollapse\u201d, to close it again.");
  root.appendChild(help);

  // --- state ---
  function categoryShownByView(category) {
    return mods.some(function (m) { return m.shown && m.category === category; });
  }
  function reset() {
    for (var i = 0; i < count; i++) { level[i] = mods[i].start; revealed[i] = false; }
    CATEGORIES.forEach(function (c) {
      filter[c[0]] = c[0] !== "stdlib" || categoryShownByView("stdlib");
      boxes[c[0]].checked = filter[c[0]];
    });
    selected = null;
    chain = null;
    panel.textContent = "";
    panel.appendChild(el("p", {"class": "dv-muted"}, summary()));
  }
  function summary() {
    var v = data.view;
    return (data.title ? data.title + ": " : "") + count + " modules; the default view draws " + v.nodes +
      " nodes and " + v.edges + " edges" + (v.focus ? " around " + v.focus : "") + ".";
  }
  function visible(i) {
    var m = mods[i];
    return filter[m.category] && (m.shown || revealed[i] || m.category === "stdlib");
  }
  function key(i) { return mods[i].ladder[level[i]]; }
  function shownName(k) {
    if (k.indexOf("dist:") === 0) { return k.slice(5); }
    if (k === "stdlib:*") { return "standard library"; }
    if (k === "missing:*") { return "not found"; }
    if (k === "project:*") { return "other modules"; }
    if (k.indexOf("missing:") === 0) { return k.slice(8, k.length - 2); }
    return k;
  }
  function isGroup(node) { return node.members.length > 1 || node.key !== mods[node.members[0]].name; }

  function build() {
    nodes = {};
    for (var i = 0; i < count; i++) {
      if (!visible(i)) { continue; }
      var k = key(i);
      (nodes[k] = nodes[k] || {key: k, members: []}).members.push(i);
    }
    var edges = {};
    data.imports.forEach(function (e) {
      if (e[3] !== "import" || !visible(e[0]) || !visible(e[1])) { return; }
      var a = key(e[0]), b = key(e[1]);
      if (a === b) { return; }
      var id = a + "\u0000" + b;
      var edge = edges[id] || (edges[id] = {source: a, target: b, count: 0, cycle: false});
      edge.count += 1;
      if (cycleOf[e[0]] !== undefined && cycleOf[e[0]] === cycleOf[e[1]]) { edge.cycle = true; }
    });
    Object.keys(nodes).forEach(function (k) {
      var node = nodes[k], held = {};
      node.group = isGroup(node);
      node.category = mods[node.members[0]].category;
      node.members.forEach(function (m) { if (cycleOf[m] !== undefined) { held[cycleOf[m]] = (held[cycleOf[m]] || 0) + 1; } });
      node.cycle = Object.keys(held).some(function (c) { return held[c] === data.cycles[c].length; });
    });
    return Object.keys(edges).sort().map(function (id) { return edges[id]; });
  }

  var measure = document.createElement("canvas").getContext("2d");
  function textWidth(text, size) {
    if (!measure) { return text.length * size * 0.6; }
    measure.font = size + "px " + FONT_FAMILY;
    return measure.measureText(text).width;
  }
  function holds(node) {
    var n = node.members.length;
    if (node.category === "missing") { return n + " missing"; }
    return n + (n === 1 ? " module" : " modules");
  }

  // --- drawing ---
  var edgesDrawn = [];
  // --- package boxes ---
  // A drawn node sits in a box for each package above it that holds two drawn nodes or more (a collapsed
  // package whose other modules are drawn apart sits in its own box); boxes nest. Groups of missing
  // modules and the stdlib's are not boxes: their members are imported from all over the diagram.
  function isBox(rung) { return rung.indexOf("missing:") !== 0 && rung !== "stdlib:*"; }
  function packages() {
    var above = {}, held = {};
    Object.keys(nodes).forEach(function (k) {
      var m = nodes[k].members[0];
      above[k] = mods[m].ladder.slice(0, level[m]).filter(isBox);
      above[k].forEach(function (rung) { held[rung] = (held[rung] || 0) + 1; });
    });
    Object.keys(nodes).forEach(function (k) {
      if (held[k]) { held[k] += 1; above[k].push(k); }
    });
    var boxes = {};
    Object.keys(nodes).forEach(function (k) {
      var outer = null;
      above[k].forEach(function (rung) {
        if (held[rung] < 2) { return; }
        boxes[rung] = boxes[rung] || {rung: rung, parent: outer, depth: outer === null ? 0 : boxes[outer].depth + 1};
        outer = rung;
      });
      nodes[k].pack = outer;
    });
    return boxes;
  }
  function layout(edges, boxed) {
    var g = new dagre.graphlib.Graph({compound: boxed, multigraph: true});
    // greedy cycle breaking: on Django's default view, 2,135 x 2,179 px against 3,040 x 2,271 by depth-first;
    // edgesep 5 instead of 20 packs the long edges' bends: 2,046 x 1,163 px instead of 2,046 x 2,179
    g.setGraph({rankdir: "LR", nodesep: 14, edgesep: 5, ranksep: 60, marginx: 20, marginy: 30, acyclicer: "greedy"});
    g.setDefaultEdgeLabel(function () { return {}; });
    Object.keys(nodes).sort().forEach(function (k) {
      var node = nodes[k];
      var width = Math.max(textWidth(node.title, FONT), node.sub ? textWidth(node.sub, FONT - 2) : 0) + 22;
      g.setNode(k, {width: width, height: node.sub ? 40 : 26});
    });
    var boxes = boxed ? packages() : {};
    Object.keys(boxes).forEach(function (rung) { g.setNode(BOX + rung, {}); });
    Object.keys(boxes).forEach(function (rung) {
      if (boxes[rung].parent !== null) { g.setParent(BOX + rung, BOX + boxes[rung].parent); }
    });
    if (boxed) {
      Object.keys(nodes).forEach(function (k) { if (nodes[k].pack !== null) { g.setParent(k, BOX + nodes[k].pack); } });
    }
    // An import of a root (Django's autoreload imports __main__) is laid out backwards: the roots stay first,
    // on the left (else greedy cycle breaking put manage.py's __main__ on the far right of Django's view).
    edges.forEach(function (e) {
      e.back = holdsRoot(e.target) && !holdsRoot(e.source);
      if (e.back) { g.setEdge(e.target, e.source, {weight: e.count}, "back"); } else { g.setEdge(e.source, e.target, {weight: e.count}); }
    });
    dagre.layout(g);
    return {graph: g, boxes: boxes};
  }
  function drawBox(layer, labels, box, frame) {
    var x = frame.x - frame.width / 2, y = frame.y - frame.height / 2, name = shownName(box.rung);
    var item = svg("g", {"class": "dv-box", "data-box": box.rung});
    item.appendChild(svg("rect", {x: x, y: y, width: frame.width, height: frame.height, rx: 6}));
    var tab = svg("g", {"class": "dv-box-label", tabindex: "0"});
    tab.appendChild(svg("rect", {x: x + 8, y: y - 9, width: textWidth(name, FONT - 1) + 12, height: 18, rx: 3}));
    tab.appendChild(svg("text", {x: x + 14, y: y + 4}, name));
    tab.appendChild(svg("title", {}, name + " (click to close this package)"));
    tab.addEventListener("click", function (event) { event.stopPropagation(); collapseInto(box.rung); });
    tab.addEventListener("keydown", function (event) { if (event.key === "Enter") { collapseInto(box.rung); } });
    labels.appendChild(tab);
    layer.appendChild(item);
  }

  function draw(refit) {
    var started = Date.now(), edges = build(), laid = null;
    Object.keys(nodes).forEach(function (k) {
      var node = nodes[k];
      node.title = shownName(k);
      node.sub = node.group ? holds(node) : (mods[node.members[0]].category === "missing" ?
        (mods[node.members[0]].maybe ? "maybe missing" : "missing") : "");
    });
    if (Object.keys(nodes).length <= MAX_BOXED) {
      try { laid = layout(edges, true); } catch (error) { laid = null; }  // dagre's compound layout can fail
    }
    if (laid === null) { laid = layout(edges, false); }
    var g = laid.graph;
    scene.textContent = "";
    var boxLayer = svg("g", {"class": "dv-boxes"}), labelLayer = svg("g", {"class": "dv-box-labels"});
    var edgeLayer = svg("g", {"class": "dv-edges"}), nodeLayer = svg("g", {"class": "dv-nodes"});
    [boxLayer, edgeLayer, labelLayer, nodeLayer].forEach(function (layer) { scene.appendChild(layer); });
    Object.keys(laid.boxes).sort(function (a, b) { return laid.boxes[a].depth - laid.boxes[b].depth || (a < b ? -1 : 1); })
      .forEach(function (rung) { drawBox(boxLayer, labelLayer, laid.boxes[rung], g.node(BOX + rung)); });
    edgesDrawn = edges.map(function (e) {
      var points = e.back ? g.edge(e.target, e.source, "back").points.slice().reverse() : g.edge(e.source, e.target).points;
      var red = e.cycle || nodes[e.target].category === "missing";
      var path = svg("path", {d: curve(points), "class": "dv-edge" + (e.cycle ? " dv-cycle" : "") +
        (nodes[e.target].category === "missing" ? " dv-to-missing" : ""), "marker-end": arrow(red ? "red" : "")});
      var item = svg("g");
      item.appendChild(path);
      var title = svg("title", {}, shownName(e.source) + " \u2192 " + shownName(e.target) + ": " + e.count +
        (e.count === 1 ? " import" : " imports"));
      item.appendChild(title);
      if (e.count > 1) {
        var mid = points[Math.floor(points.length / 2)];
        item.appendChild(svg("text", {x: mid.x, y: mid.y - 3, "class": "dv-count"}, String(e.count)));
      }
      edgeLayer.appendChild(item);
      return {edge: e, element: item, path: path, arrow: arrow(red ? "red" : "")};
    });
    Object.keys(nodes).sort().forEach(function (k) {
      var node = nodes[k], box = g.node(k);
      var item = svg("g", {"class": "dv-node dv-" + node.category + (node.group ? " dv-group" : "") +
        (node.cycle ? " dv-cycle" : ""), "data-key": k, transform: "translate(" + (box.x - box.width / 2) +
        "," + (box.y - box.height / 2) + ")", tabindex: "0"});
      if (node.group) {
        item.appendChild(svg("rect", {x: 3, y: 3, width: box.width, height: box.height, rx: 4, "class": "dv-shadow"}));
      }
      item.appendChild(svg("rect", {width: box.width, height: box.height, rx: 4}));
      item.appendChild(svg("text", {x: 11, y: node.sub ? 17 : 17.5, "class": "dv-label"}, node.title));
      if (node.sub) { item.appendChild(svg("text", {x: 11, y: 33, "class": "dv-sub"}, node.sub)); }
      item.appendChild(svg("title", {}, node.group ? node.title + " \u2014 " + node.sub + " (click to open)" :
        (mods[node.members[0]].path || mods[node.members[0]].kind)));
      item.addEventListener("click", function (event) { event.stopPropagation(); clicked(k, event.altKey); });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { clicked(k, event.altKey); }
      });
      item.addEventListener("mouseenter", function () { hovered = k; near(); });
      item.addEventListener("mouseleave", function () { hovered = null; near(); });
      node.element = item;
      node.box = box;
      nodeLayer.appendChild(item);
    });
    scene.graphSize = {width: g.graph().width || 0, height: g.graph().height || 0};
    highlight();
    root.setAttribute("data-nodes", String(Object.keys(nodes).length));
    root.setAttribute("data-boxes", Object.keys(laid.boxes).sort().join(" "));
    root.setAttribute("data-edges", String(edges.length));
    root.setAttribute("data-size", Math.round(scene.graphSize.width) + "x" + Math.round(scene.graphSize.height));
    root.setAttribute("data-draw-ms", String(Date.now() - started));
    if (refit) { fit(false); }
  }
  function arrow(kind) { return "url(#dv-arrow" + (kind ? "-" + kind : "") + ")"; }
  function curve(points) {
    var d = "M" + points[0].x + "," + points[0].y;
    for (var i = 1; i < points.length - 1; i++) {
      var next = points[i + 1], mx = (points[i].x + next.x) / 2, my = (points[i].y + next.y) / 2;
      d += " Q" + points[i].x + "," + points[i].y + " " + (i === points.length - 2 ? next.x + "," + next.y : mx + "," + my);
    }
    if (points.length === 2) { d += " L" + points[1].x + "," + points[1].y; }
    return d;
  }

  // --- pan and zoom ---
  function place() { scene.setAttribute("transform", "translate(" + pan.x + "," + pan.y + ") scale(" + scale + ")"); }
  // The first view draws labels at MIN_SCALE or more, Fit at READABLE or more: a diagram too big for that
  // is shown from its roots (on the left), centred on them, and the reader pans (or zooms out with -).
  function fit(whole) {
    var size = scene.graphSize, width = canvas.clientWidth || 800, height = canvas.clientHeight || 600;
    var best = Math.min(width / Math.max(size.width, 1), height / Math.max(size.height, 1), 1.25);
    scale = Math.max(best, whole ? READABLE : MIN_SCALE);
    pan.x = size.width * scale <= width ? (width - size.width * scale) / 2 : 0;
    pan.y = size.height * scale <= height ? (height - size.height * scale) / 2 :
      Math.min(0, Math.max(height - size.height * scale, height / 2 - rootsAt() * scale));
    place();
    if (whole) {
      status.textContent = best < READABLE ? "too big to read whole: " + Math.round(scale * 100) +
        "% from the roots; drag to pan, \u2212 to zoom out" : "";
    }
  }
  function holdsRoot(k) { return nodes[k].members.some(function (m) { return isRoot[m]; }); }
  function rootsAt() {  // the mean height of the drawn roots (their nodes), else the middle
    var ys = [];
    Object.keys(nodes).forEach(function (k) { if (holdsRoot(k)) { ys.push(nodes[k].box.y); } });
    return ys.length ? ys.reduce(function (a, b) { return a + b; }, 0) / ys.length : scene.graphSize.height / 2;
  }
  function zoomBy(factor, cx, cy) {
    var x = cx === undefined ? canvas.clientWidth / 2 : cx, y = cy === undefined ? canvas.clientHeight / 2 : cy;
    var next = Math.min(Math.max(scale * factor, 0.05), 8);
    pan.x = x - (x - pan.x) * next / scale;
    pan.y = y - (y - pan.y) * next / scale;
    scale = next;
    place();
  }
  canvas.addEventListener("wheel", function (event) {
    event.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }, {passive: false});
  var drag = null;
  canvas.addEventListener("pointerdown", function (event) {
    if (event.target.closest && event.target.closest(".dv-node")) { return; }
    drag = {x: event.clientX - pan.x, y: event.clientY - pan.y};
    canvas.setPointerCapture(event.pointerId);
    canvas.classList.add("dv-dragging");
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    pan.x = event.clientX - drag.x;
    pan.y = event.clientY - drag.y;
    place();
  });
  function endDrag() { drag = null; canvas.classList.remove("dv-dragging"); }
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  function centreOn(k) {
    var node = nodes[k];
    if (!node) { return; }
    scale = Math.max(scale, 1);
    pan.x = canvas.clientWidth / 2 - node.box.x * scale;
    pan.y = canvas.clientHeight / 2 - node.box.y * scale;
    place();
  }

  // --- opening and closing ---
  function clicked(k, close) {
    var node = nodes[k];
    if (!node) { return; }
    if (close) { collapse(k); } else if (node.group) { expand(k); } else { select(node.members[0]); }
  }
  function expand(k) {
    var node = nodes[k];
    node.members.forEach(function (m) { if (level[m] < mods[m].ladder.length - 1) { level[m] += 1; } });
    status.textContent = "opened " + shownName(k);
    draw(false);
  }
  function parentOf(k) {
    var node = nodes[k], m = node.members[0];
    return level[m] > 0 ? mods[m].ladder[level[m] - 1] : null;
  }
  function collapse(k) {
    var parent = parentOf(k);
    if (parent === null) { status.textContent = shownName(k) + " is as closed as it gets"; return; }
    collapseInto(parent);
  }
  function collapseInto(parent) {
    for (var i = 0; i < count; i++) {
      var at = mods[i].ladder.indexOf(parent);
      if (at >= 0 && level[i] > at) { level[i] = at; }
    }
    status.textContent = "closed into " + shownName(parent);
    draw(false);
  }

  // --- the panel ---
  function where(edge, importer) {
    var lines = edge[2].map(function (l) {
      return Array.isArray(l) ? l[1] + ":" + l[0] : (mods[importer].path || mods[importer].name) + ":" + l;
    });
    return lines.join(", ");
  }
  function lines(edge) {  // in the selected module's own file (its path is shown above): the lines alone
    var own = edge[2].every(function (l) { return !Array.isArray(l); });
    return own ? (edge[2].length > 1 ? "lines " : "line ") + edge[2].join(", ") : where(edge, edge[0]);
  }
  function moduleLink(i, extra) {
    var item = el("li");
    var link = el("button", {type: "button", "class": "dv-link"}, mods[i].name);
    link.addEventListener("click", function () { reveal(i); });
    item.appendChild(link);
    if (extra) { item.appendChild(el("span", {"class": "dv-where"}, " " + extra)); }
    return item;
  }
  function list(title, rows) {
    panel.appendChild(el("h3", {}, title + " (" + rows.length + ")"));
    var ul = el("ul");
    rows.forEach(function (row) { ul.appendChild(row); });
    panel.appendChild(ul);
  }
  function select(i) {
    selected = i;
    chain = null;
    var m = mods[i];
    panel.textContent = "";
    panel.appendChild(el("h2", {}, m.name));
    panel.appendChild(el("p", {"class": "dv-muted"}, [m.category.replace("_", "-"), m.kind,
      m.maybe ? "maybe missing" : "", isRoot[i] ? "a root" : ""].filter(Boolean).join(", ")));
    if (m.path) { panel.appendChild(el("p", {"class": "dv-path"}, m.path)); }
    var actions = el("p");
    var why = el("button", {type: "button", "class": "dv-why"}, "Why: the chain from the roots");
    why.addEventListener("click", function () { showWhy(i); });
    actions.appendChild(why);
    if (level[i] > 0) {
      var close = el("button", {type: "button"}, "Collapse into " + shownName(mods[i].ladder[level[i] - 1]));
      close.addEventListener("click", function () { collapse(key(i)); });
      actions.appendChild(close);
    }
    panel.appendChild(actions);
    var chainBox = el("div", {"class": "dv-chain"});
    panel.appendChild(chainBox);
    list("Imports", imports[i].map(function (e) { return moduleLink(e[1], lines(e)); }));
    list("Imported by", importers[i].map(function (e) { return moduleLink(e[0], where(e, e[0])); }));
    root.setAttribute("data-selected", m.name);
    highlight();
  }
  function whyChain(target) {
    var previous = {}, queue = data.roots.slice(), seen = {};
    queue.forEach(function (r) { seen[r] = true; });
    for (var head = 0; head < queue.length; head++) {
      var at = queue[head];
      if (at === target) {
        var path = [at];
        while (previous[path[0]] !== undefined) { path.unshift(previous[path[0]]); }
        return path;
      }
      forward[at].forEach(function (next) {
        if (!seen[next]) { seen[next] = true; previous[next] = at; queue.push(next); }
      });
    }
    return null;
  }
  function showWhy(i) {
    chain = whyChain(i);
    var box = panel.querySelector(".dv-chain");
    box.textContent = "";
    if (!chain) {
      box.appendChild(el("p", {"class": "dv-muted"}, "No import chain from the roots reaches " + mods[i].name + "."));
    } else {
      var ol = el("ol");
      chain.forEach(function (m, step) {
        var edge = step ? importers[m].filter(function (e) { return e[0] === chain[step - 1]; })[0] : null;
        ol.appendChild(moduleLink(m, edge ? "(" + where(edge, edge[0]) + ")" : step ? "(its parent package)" : "(root)"));
      });
      box.appendChild(ol);
    }
    highlight();
  }
  function showCycles() {
    chain = null;
    selected = null;
    panel.textContent = "";
    panel.appendChild(el("h2", {}, "Import cycles"));
    if (!data.cycles.length) { panel.appendChild(el("p", {"class": "dv-muted"}, "No import cycle.")); }
    data.cycles.forEach(function (members, c) {
      list("Cycle " + (c + 1), members.map(function (m) { return moduleLink(m); }));
    });
    highlight("cycle");
  }
  function showMissing() {
    chain = null;
    selected = null;
    panel.textContent = "";
    panel.appendChild(el("h2", {}, "Modules not found"));
    var missing = [];
    mods.forEach(function (m, i) { if (m.category === "missing") { missing.push(i); } });
    list("Missing", missing.map(function (i) {
      var by = importers[i].map(function (e) { return mods[e[0]].name + " (" + where(e, e[0]) + ")"; });
      return moduleLink(i, (mods[i].maybe ? "maybe missing; " : "") + "imported by " + by.join("; "));
    }));
    filter.missing = boxes.missing.checked = true;
    draw(false);
    highlight("missing");
  }
  function highlight(what) {
    var lit = {}, path = {};
    if (chain) {
      chain.forEach(function (m, step) {
        if (!visible(m)) { return; }
        lit[key(m)] = true;
        if (step && visible(chain[step - 1])) { path[key(chain[step - 1]) + "\u0000" + key(m)] = true; }
      });
    }
    Object.keys(nodes).forEach(function (k) {
      var node = nodes[k];
      var on = lit[k] || (what === "cycle" && node.members.some(function (m) { return cycleOf[m] !== undefined; })) ||
        (what === "missing" && node.category === "missing");
      node.element.classList.toggle("dv-lit", !!on);
      node.element.classList.toggle("dv-selected", selected !== null && visible(selected) && key(selected) === k);
    });
    edgesDrawn.forEach(function (d) {
      var on = !!path[d.edge.source + "\u0000" + d.edge.target];
      d.element.classList.toggle("dv-lit", on);
      d.path.setAttribute("marker-end", on ? arrow("hi") : d.arrow);
    });
    near();
  }
  // The edges of the node under the pointer (else of the selected module) stand out, the others fade:
  // a long edge can be followed to its end.
  function near() {
    var k = hovered !== null && nodes[hovered] ? hovered : selected !== null && visible(selected) ? key(selected) : null;
    scene.classList.toggle("dv-focusing", k !== null);
    edgesDrawn.forEach(function (d) {
      d.element.classList.toggle("dv-near", k !== null && (d.edge.source === k || d.edge.target === k));
    });
  }

  // --- search ---
  function find(text) {
    var query = text.trim().toLowerCase();
    if (!query) { return null; }
    if (byName[text.trim()] !== undefined) { return byName[text.trim()]; }
    var best = null;
    mods.forEach(function (m, i) {
      var name = m.name.toLowerCase();
      if (name.indexOf(query) < 0) { return; }
      if (best === null || name.length < mods[best].name.length) { best = i; }
    });
    return best;
  }
  function reveal(i) {
    level[i] = mods[i].ladder.length - 1;
    revealed[i] = true;
    filter[mods[i].category] = boxes[mods[i].category].checked = true;
    draw(false);
    select(i);
    centreOn(key(i));
  }
  function searched() {
    var found = find(search.value);
    if (found === null) { status.textContent = "no module matches \u201c" + search.value + "\u201d"; return; }
    status.textContent = "found " + mods[found].name;
    reveal(found);
  }
  search.addEventListener("change", searched);
  search.addEventListener("keydown", function (event) { if (event.key === "Enter") { searched(); } });

  // A link to the page can name a module: #find=NAME selects it, #why=NAME shows its chain from the roots.
  function linked() {
    var asked = /^#(find|why)=(.+)$/.exec(window.location.hash);
    if (!asked) { return; }
    var name;
    try { name = decodeURIComponent(asked[2]); } catch (error) { status.textContent = "the link cannot be read"; return; }
    var found = find(name);
    if (found === null) { status.textContent = "no module matches the link"; return; }
    status.textContent = "found " + mods[found].name;
    reveal(found);
    if (asked[1] === "why") { showWhy(found); }
  }

  reset();
  draw(true);
  linked();
  root.setAttribute("data-ready", "yes");
}());
