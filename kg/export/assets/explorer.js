/* kg explorer: draws the graph embedded in #kg-data with vis-network.
 *
 * Data layout (written by kg/export/html.py):
 *   nodes[i]    = [type, shortLabel, degree, x, y]; papers come first (i < papers.length)
 *   papers[i]   = [key, id, title, date, url, authors, sentences[]]
 *   entities[j] = [key, label, typeName, aliases[], variantOfNode (-1: none), paperCount]  (node P + j)
 *   edges[k]    = [paperNode, entityNode, relationMask, confidence, mentionCount, evidence]
 *                 evidence = [sentenceIndex, markStart, markEnd] (UTF-16 offsets) or 0
 * Every text is put into the page with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var VIEW_MAX = 2500;   // nodes drawn at once, whatever the filters say
  var HOOD_RING = 300;   // first ring of a neighbourhood view
  var HOOD_MAX = 600;    // whole neighbourhood view
  var LIST_MAX = 60;     // rows in a details list
  var STYLE = [
    {shape: "square", color: "#5b6b7f"},        // Paper
    {shape: "dot", color: "#1f77b4"},           // Method
    {shape: "diamond", color: "#ff7f0e"},       // Model
    {shape: "triangle", color: "#2ca02c"},      // Dataset
    {shape: "star", color: "#d62728"},          // Benchmark
    {shape: "triangleDown", color: "#9467bd"},  // Task
    {shape: "hexagon", color: "#8c564b"},       // Metric
    {shape: "dot", color: "#9aa3ad"}            // Other
  ];

  var D = JSON.parse(document.getElementById("kg-data").textContent);
  var NODES = D.nodes, EDGES = D.edges, PAPERS = D.papers, ENTITIES = D.entities;
  var P = PAPERS.length, N = NODES.length;
  var api = window.kgExplorer = {ready: false, readyAt: null, data: D};

  // ---------------------------------------------------------------- helpers
  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      for (var name in props) {
        if (!Object.prototype.hasOwnProperty.call(props, name)) continue;
        if (name === "text") node.textContent = props[name];
        else if (name === "cls") node.className = props[name];
        else if (name === "onclick") node.addEventListener("click", props[name]);
        else node.setAttribute(name, props[name]);
      }
    }
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function typeOf(i) { return NODES[i][0]; }
  function typeName(i) { return D.types[typeOf(i)]; }
  function fullName(i) { return i < P ? PAPERS[i][2] : ENTITIES[i - P][1]; }
  function fmt(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function relationNames(mask) {
    var names = [];
    for (var r = 0; r < D.relations.length; r++) if (mask & (1 << r)) names.push(D.relations[r]);
    return names.length ? names.join(", ") : "mentions";
  }
  function safeUrl(url) {
    try {
      var parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "";
    } catch (e) { return ""; }
  }

  // adjacency: edge indices per node
  var ADJ = new Array(N);
  for (var i = 0; i < N; i++) ADJ[i] = [];
  EDGES.forEach(function (edge, k) { ADJ[edge[0]].push(k); ADJ[edge[1]].push(k); });
  function other(k, i) { return EDGES[k][0] === i ? EDGES[k][1] : EDGES[k][0]; }
  function byDegree(a, b) { return NODES[b][2] - NODES[a][2] || a - b; }

  // ---------------------------------------------------------------- state
  var state = {
    view: "graph",              // "graph" | "hood"
    centre: -1,
    minDegree: D.overviewMinDegree || 0,
    typeOn: D.types.map(function () { return true; })
  };
  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var shown = new Uint8Array(N);
  var big = N > D.overviewThreshold;

  var groups = {};
  D.types.forEach(function (name, t) {
    groups["t" + t] = {shape: STYLE[t].shape, color: {background: STYLE[t].color, border: STYLE[t].color,
      highlight: {background: STYLE[t].color, border: "#111"}, hover: {background: STYLE[t].color, border: "#111"}}};
  });
  var network = new vis.Network($("kg-graph"), {nodes: nodes, edges: edges}, {
    autoResize: true,
    physics: false,
    layout: {improvedLayout: false, randomSeed: 1},
    groups: groups,
    nodes: {borderWidth: 1, borderWidthSelected: 3, font: {size: 12, face: "system-ui, sans-serif", color: "#1d2430"},
      scaling: {label: {enabled: false}}},
    edges: {smooth: false, width: 1, selectionWidth: 2, color: {color: "#c3c9d1", highlight: "#2b3440", hover: "#6b7584"}},
    interaction: {hover: true, tooltipDelay: 300, hideEdgesOnDrag: big, hideEdgesOnZoom: big, keyboard: false, multiselect: false}
  });
  api.network = network; api.nodes = nodes; api.edges = edges;

  function visNode(i, x, y) {
    var deg = NODES[i][2];
    return {id: i, label: NODES[i][1], group: "t" + typeOf(i), x: x, y: y,
      size: Math.min(8 + 3 * Math.sqrt(deg), 42)};
  }

  // ---------------------------------------------------------------- views
  function setStatus(text) { $("kg-status").textContent = text; }

  function draw(list, place) {
    shown = new Uint8Array(N);
    list.forEach(function (i) { shown[i] = 1; });
    var nodeItems = list.map(function (i) { var xy = place(i); return visNode(i, xy[0], xy[1]); });
    var edgeItems = [];
    list.forEach(function (i) {
      if (i >= P) return;  // every edge has a paper end: visit each once from there
      ADJ[i].forEach(function (k) {
        if (shown[EDGES[k][1]]) edgeItems.push({id: k, from: i, to: EDGES[k][1]});
      });
    });
    network.unselectAll();
    edges.clear(); nodes.clear();
    nodes.add(nodeItems); edges.add(edgeItems);
  }

  function graphView(fit) {
    state.view = "graph"; state.centre = -1;
    var candidates = [];
    var matched = 0;
    for (var i = 0; i < N; i++) {
      if (state.typeOn[typeOf(i)] && NODES[i][2] >= state.minDegree) { candidates.push(i); matched++; }
    }
    var list = candidates;
    if (list.length > VIEW_MAX) list = candidates.slice().sort(byDegree).slice(0, VIEW_MAX).sort(function (a, b) { return a - b; });
    draw(list, function (i) { return [NODES[i][3], NODES[i][4]]; });
    $("kg-back").hidden = true;
    var text = "Showing " + fmt(list.length) + " of " + fmt(N) + " nodes";
    if (state.minDegree > 0) text += " (degree \u2265 " + state.minDegree + ")";
    if (matched > list.length) text += "; the " + fmt(VIEW_MAX) + " best connected of " + fmt(matched) + " matching: raise the minimum degree";
    setStatus(text + ". Double-click a node to open its neighbourhood.");
    if (fit) network.fit({animation: false});
  }

  // A node, its neighbours on a ring, their other neighbours on an outer ring.
  function hoodView(c) {
    state.view = "hood"; state.centre = c;
    var ring1 = [], seen = {};
    seen[c] = true;
    ADJ[c].forEach(function (k) {
      var j = other(k, c);
      if (!seen[j] && state.typeOn[typeOf(j)]) { seen[j] = true; ring1.push(j); }
    });
    var total1 = ring1.length;
    ring1.sort(byDegree);
    ring1 = ring1.slice(0, HOOD_RING);
    ring1.sort(function (a, b) { return typeOf(a) - typeOf(b) || byDegree(a, b); });
    var pos = {};
    pos[c] = [0, 0];
    var r1 = Math.max(220, ring1.length * 46 / (2 * Math.PI));
    var angle = {};
    ring1.forEach(function (j, n) {
      var a = 2 * Math.PI * n / Math.max(ring1.length, 1) - Math.PI / 2;
      angle[j] = a; pos[j] = [r1 * Math.cos(a), r1 * Math.sin(a)];
    });
    // outer ring: most shared first, placed in the order of their mean angle
    var score = {}, sx = {}, sy = {};
    ring1.forEach(function (j) {
      ADJ[j].forEach(function (k) {
        var m = other(k, j);
        if (seen[m] || !state.typeOn[typeOf(m)]) return;
        score[m] = (score[m] || 0) + 1;
        sx[m] = (sx[m] || 0) + Math.cos(angle[j]); sy[m] = (sy[m] || 0) + Math.sin(angle[j]);
      });
    });
    var ring2 = Object.keys(score).map(Number);
    ring2.sort(function (a, b) { return score[b] - score[a] || byDegree(a, b); });
    ring2 = ring2.slice(0, Math.max(0, HOOD_MAX - 1 - ring1.length));
    ring2.sort(function (a, b) { return Math.atan2(sy[a], sx[a]) - Math.atan2(sy[b], sx[b]) || a - b; });
    var r2 = Math.max(r1 + 260, ring2.length * 44 / (2 * Math.PI));
    var start = ring2.length ? Math.atan2(sy[ring2[0]], sx[ring2[0]]) : 0;
    ring2.forEach(function (m, n) {
      var a = start + 2 * Math.PI * n / ring2.length;
      pos[m] = [r2 * Math.cos(a), r2 * Math.sin(a)];
    });
    var list = [c].concat(ring1, ring2);
    draw(list, function (i) { return [Math.round(pos[i][0]), Math.round(pos[i][1])]; });
    $("kg-back").hidden = false;
    var text = "Neighbourhood of \u201c" + fullName(c) + "\u201d: " + fmt(ring1.length) + " neighbours";
    if (total1 > ring1.length) text += " (the " + fmt(ring1.length) + " best connected of " + fmt(total1) + ")";
    setStatus(text + " and " + fmt(ring2.length) + " nodes one step further.");
    network.fit({animation: false});
  }

  function rerender() {
    var selected = network.getSelectedNodes();
    if (state.view === "hood") hoodView(state.centre); else graphView(false);
    if (selected.length && shown[selected[0]]) network.selectNodes([selected[0]]);
  }

  // Select a node, bring it to the middle and show its details; open its
  // neighbourhood when it is not drawn in the current view.
  function goTo(i, animate) {
    showDetails(i);  // first: the panel narrows the canvas that the view is fitted to
    if (!shown[i]) {
      hoodView(i);  // fitted, with the node in the middle
      network.selectNodes([i]);
      return;
    }
    network.selectNodes([i]);
    network.focus(i, {scale: Math.max(network.getScale(), 1.0),
      animation: animate === false ? false : {duration: 300, easingFunction: "easeInOutQuad"}});
  }
  api.goTo = goTo;
  api.openNeighbourhood = hoodView;
  api.shownIds = function () { return nodes.getIds(); };

  // ---------------------------------------------------------------- details
  function nodeLink(i, text) {
    return el("button", {type: "button", cls: "kg-link", text: text || fullName(i), onclick: function () { goTo(i); }});
  }

  function evidenceParagraph(paper, evidence) {
    if (!evidence) return null;
    var sentence = PAPERS[paper][6][evidence[0]];
    if (sentence === undefined) return null;
    var s = evidence[1], e = evidence[2];
    if (!(e > s)) return el("p", {cls: "kg-evidence", text: sentence});
    return el("p", {cls: "kg-evidence"}, [sentence.slice(0, s), el("mark", {text: sentence.slice(s, e)}), sentence.slice(e)]);
  }

  function moreNote(total, shownCount) {
    return total > shownCount ? el("li", {cls: "kg-small", text: "\u2026 and " + fmt(total - shownCount) + " more"}) : null;
  }

  function showPaper(i) {
    var paper = PAPERS[i];
    var body = $("kg-details-body");
    clear(body);
    body.appendChild(el("div", {cls: "kg-kind", text: "Paper \u00b7 " + paper[1]}));
    body.appendChild(el("h2", {text: paper[2]}));
    if (paper[3]) body.appendChild(el("div", {cls: "kg-meta", text: "Date: " + paper[3]}));
    if (paper[5]) body.appendChild(el("div", {cls: "kg-meta", text: "Authors: " + paper[5]}));
    var url = safeUrl(paper[4]);
    if (url) body.appendChild(el("div", {cls: "kg-meta"}, [el("a", {href: url, target: "_blank", rel: "noopener noreferrer", text: url})]));
    body.appendChild(el("button", {type: "button", text: "Open neighbourhood", onclick: function () { hoodView(i); network.selectNodes([i]); }}));
    var groupsByRel = {};
    ADJ[i].forEach(function (k) {
      var name = relationNames(EDGES[k][2]);
      (groupsByRel[name] = groupsByRel[name] || []).push(k);
    });
    var order = D.relations.concat(["mentions"]);
    Object.keys(groupsByRel).sort(function (a, b) {
      return (order.indexOf(a.split(", ")[0]) - order.indexOf(b.split(", ")[0])) || (a < b ? -1 : a > b ? 1 : 0);
    }).forEach(function (name) {
      body.appendChild(el("h3", {text: name + " (" + groupsByRel[name].length + ")"}));
      var list = el("ul");
      groupsByRel[name].forEach(function (k) {
        var edge = EDGES[k], j = edge[1];
        list.appendChild(el("li", null, [
          nodeLink(j), " ",
          el("span", {cls: "kg-small", text: typeName(j) + " \u00b7 confidence " + edge[3]}),
          evidenceParagraph(i, edge[5])
        ]));
      });
      body.appendChild(list);
    });
    if (!ADJ[i].length) body.appendChild(el("p", {cls: "kg-small", text: "No entities linked to this paper."}));
  }

  function paperRows(rows, total) {
    var list = el("ul");
    rows.slice(0, LIST_MAX).forEach(function (row) {
      var p = row[0];
      list.appendChild(el("li", null, [
        nodeLink(p), " ",
        el("span", {cls: "kg-small", text: [PAPERS[p][3], row[1]].filter(Boolean).join(" \u00b7 ")})
      ]));
    });
    var note = moreNote(total, Math.min(rows.length, LIST_MAX));
    if (note) list.appendChild(note);
    return list;
  }

  function showEntity(i) {
    var entity = ENTITIES[i - P];
    var body = $("kg-details-body");
    clear(body);
    body.appendChild(el("div", {cls: "kg-kind", text: (entity[2] || typeName(i)) + " \u00b7 " + entity[0]}));
    body.appendChild(el("h2", {text: entity[1]}));
    if (entity[3].length) body.appendChild(el("div", {cls: "kg-meta", text: "Also called: " + entity[3].join(", ")}));
    if (entity[4] >= 0) body.appendChild(el("div", {cls: "kg-meta"}, ["Variant of ", nodeLink(entity[4])]));
    body.appendChild(el("div", {cls: "kg-meta", text: "Papers: " + fmt(Math.max(entity[5], ADJ[i].length))}));
    body.appendChild(el("button", {type: "button", text: "Open neighbourhood", onclick: function () { hoodView(i); network.selectNodes([i]); }}));
    var proposing = [], using = [];
    var byDate = function (a, b) {
      var da = PAPERS[a[0]][3], db = PAPERS[b[0]][3];
      return da < db ? 1 : da > db ? -1 : a[0] - b[0];
    };
    ADJ[i].forEach(function (k) {
      var edge = EDGES[k], mask = edge[2];
      if (mask & 1) proposing.push([edge[0], ""]);
      if (mask & ~1 || !mask) using.push([edge[0], relationNames(mask & ~1)]);
    });
    proposing.sort(byDate); using.sort(byDate);
    if (proposing.length) {
      body.appendChild(el("h3", {text: "Proposed by (" + proposing.length + ")"}));
      body.appendChild(paperRows(proposing, proposing.length));
    }
    if (using.length) {
      body.appendChild(el("h3", {text: "Used by (" + using.length + ")"}));
      body.appendChild(paperRows(using, using.length));
    }
    // co-occurring entities: counted over this entity's papers
    var count = {};
    ADJ[i].forEach(function (k) {
      var p = EDGES[k][0];
      ADJ[p].forEach(function (k2) {
        var j = EDGES[k2][1];
        if (j !== i) count[j] = (count[j] || 0) + 1;
      });
    });
    var top = Object.keys(count).map(Number).sort(function (a, b) { return count[b] - count[a] || byDegree(a, b); }).slice(0, 15);
    if (top.length) {
      body.appendChild(el("h3", {text: "Co-occurs most with"}));
      var list = el("ul");
      top.forEach(function (j) {
        list.appendChild(el("li", null, [nodeLink(j), " ", el("span", {cls: "kg-small", text: typeName(j) + " \u00b7 " + count[j] + " paper" + (count[j] === 1 ? "" : "s")})]));
      });
      body.appendChild(list);
    }
  }

  function showDetails(i) {
    if (i < P) showPaper(i); else showEntity(i);
    var panel = $("kg-details"), opening = panel.hidden;
    panel.hidden = false;
    panel.scrollTop = 0;
    if (opening) network.setSize("100%", "100%");  // take the new canvas size now, not at the next resize poll
    api.detailsFor = i;
  }
  function hideDetails() {
    $("kg-details").hidden = true;
    network.setSize("100%", "100%");
    api.detailsFor = null;
  }
  $("kg-close").addEventListener("click", hideDetails);

  // ---------------------------------------------------------------- search
  var NAMES = [];  // [lowercased name, node]
  for (i = 0; i < N; i++) {
    if (i < P) {
      NAMES.push([PAPERS[i][2].toLowerCase(), i]);
      if (PAPERS[i][1]) NAMES.push([PAPERS[i][1].toLowerCase(), i]);
    } else {
      NAMES.push([ENTITIES[i - P][1].toLowerCase(), i]);
      ENTITIES[i - P][3].forEach(function (alias) { NAMES.push([alias.toLowerCase(), i]); });
    }
  }

  function search(query, limit) {
    var q = query.trim().toLowerCase();
    if (!q) return [];
    var best = {};
    NAMES.forEach(function (entry) {
      var name = entry[0], at = name.indexOf(q);
      if (at < 0) return;
      var rank = name === q ? 0 : at === 0 ? 1 : /[^a-z0-9]/.test(name.charAt(at - 1)) ? 2 : 3;
      if (best[entry[1]] === undefined || rank < best[entry[1]]) best[entry[1]] = rank;
    });
    // best rank first; at equal rank entities before papers, then the best connected
    return Object.keys(best).map(Number).sort(function (a, b) {
      return best[a] - best[b] || (a < P) - (b < P) || byDegree(a, b);
    }).slice(0, limit || 12);
  }
  api.search = search;

  var box = $("kg-search"), suggestions = $("kg-suggestions");
  var current = [];
  function closeSuggestions() { suggestions.hidden = true; clear(suggestions); current = []; }
  function pick(i) { closeSuggestions(); box.value = fullName(i); goTo(i); }
  box.addEventListener("input", function () {
    current = search(box.value, 12);
    clear(suggestions);
    current.forEach(function (j, n) {
      var item = el("li", {role: "option", cls: n === 0 ? "kg-active" : ""}, [
        el("span", {cls: "kg-type", text: typeName(j)}), el("span", {cls: "kg-name", text: fullName(j)})]);
      item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(j); });
      suggestions.appendChild(item);
    });
    if (!current.length && box.value.trim()) suggestions.appendChild(el("li", {cls: "kg-small", text: "No match"}));
    suggestions.hidden = !box.value.trim();
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var found = current.length ? current : search(box.value, 1);
      if (found.length) pick(found[0]);
    } else if (event.key === "Escape") { closeSuggestions(); }
  });
  box.addEventListener("blur", function () { setTimeout(closeSuggestions, 150); });

  // ---------------------------------------------------------------- legend and controls
  var counts = D.types.map(function () { return 0; });
  NODES.forEach(function (node) { counts[node[0]]++; });
  D.types.forEach(function (name, t) {
    if (!counts[t]) return;
    var box = el("input", {type: "checkbox", "data-type": name});
    box.checked = true;
    box.addEventListener("change", function () { state.typeOn[t] = box.checked; rerender(); });
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 14 14"); svg.setAttribute("class", "kg-swatch"); svg.setAttribute("aria-hidden", "true");
    var shape = STYLE[t].shape, mark;
    if (shape === "dot") { mark = document.createElementNS(svg.namespaceURI, "circle"); mark.setAttribute("cx", "7"); mark.setAttribute("cy", "7"); mark.setAttribute("r", "6"); }
    else {
      mark = document.createElementNS(svg.namespaceURI, "polygon");
      mark.setAttribute("points", {
        square: "1,1 13,1 13,13 1,13", diamond: "7,0 14,7 7,14 0,7", triangle: "7,1 13,13 1,13",
        triangleDown: "1,1 13,1 7,13", star: "7,0 9,5 14,5 10,8 11.5,13.5 7,10.5 2.5,13.5 4,8 0,5 5,5",
        hexagon: "3.5,1 10.5,1 14,7 10.5,13 3.5,13 0,7"}[shape]);
    }
    mark.setAttribute("fill", STYLE[t].color);
    svg.appendChild(mark);
    $("kg-types").appendChild(el("li", null, [el("label", null, [box, svg, el("span", {text: name}), el("span", {cls: "kg-count", text: fmt(counts[t])})])]));
  });

  var minDegree = $("kg-min-degree");
  minDegree.value = String(state.minDegree);
  minDegree.addEventListener("change", function () {
    var value = parseInt(minDegree.value, 10);
    state.minDegree = isFinite(value) && value > 0 ? value : 0;
    minDegree.value = String(state.minDegree);
    graphView(true);
  });
  $("kg-back").addEventListener("click", function () { graphView(true); });
  $("kg-fit").addEventListener("click", function () { network.fit({animation: false}); });

  network.on("click", function (params) {
    if (params.nodes.length) showDetails(params.nodes[0]);
    else if (!params.edges.length) hideDetails();
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) { var c = params.nodes[0]; showDetails(c); hoodView(c); network.selectNodes([c]); }
  });
  network.on("hoverNode", function (params) {
    var i = params.node;
    $("kg-hover").textContent = typeName(i) + ": " + fullName(i);
  });
  network.on("blurNode", function () { $("kg-hover").textContent = ""; });

  network.once("afterDrawing", function () {
    api.ready = true;
    api.readyAt = performance.now();
    document.documentElement.setAttribute("data-kg-ready", "1");
  });
  graphView(true);
})();
