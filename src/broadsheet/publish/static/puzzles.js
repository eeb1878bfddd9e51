/* Broadsheet puzzles: play the sudoku and crosswords in the page.
   Keyboard (digits or letters, arrows, backspace, space to turn a crossword's direction)
   and touch (tap a cell; the sudoku's keypad). Check marks wrong cells, Reveal fills the
   grid, progress is kept in this browser (localStorage), per puzzle and date. */
(function () {
  "use strict";

  function init(root) {
    var kind = root.dataset.kind;
    var size = kind === "sudoku" ? 9 : parseInt(root.dataset.size, 10);
    var solution = root.dataset.solution;
    var key = "broadsheet:" + root.dataset.key;
    var status = root.querySelector(".puzzle-status");
    var inputs = Array.prototype.slice.call(root.querySelectorAll("input.cell"));
    var cells = {};
    inputs.forEach(function (input) { cells[input.dataset.index] = input; });
    var valid = kind === "sudoku" ? /^[1-9]$/ : /^[a-z]$/i;
    var across = true;
    var active = null;
    var clues = Array.prototype.slice.call(root.querySelectorAll(".clues li[data-cells]"));

    function load() {
      var saved = {};
      try { saved = JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
      inputs.forEach(function (input) {
        var value = saved[input.dataset.index];
        if (value && valid.test(value)) { input.value = value; }
      });
    }

    function save() {
      var state = {};
      inputs.forEach(function (input) { if (input.value) { state[input.dataset.index] = input.value; } });
      try { window.localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* private mode */ }
    }

    function right(input) {
      return input.value.toUpperCase() === solution.charAt(parseInt(input.dataset.index, 10)).toUpperCase();
    }

    function refresh() {
      save();
      var done = inputs.every(right);
      root.classList.toggle("is-solved", done);
      if (done) {
        status.textContent = "Solved! Well done.";
      } else if (status.textContent === "Solved! Well done.") {
        status.textContent = "";
      }
    }

    function cellAt(index) { return cells[String(index)] || null; }

    function step(from, dr, dc) {
      var r = Math.floor(from / size), c = from % size;
      for (;;) {
        r += dr; c += dc;
        if (r < 0 || c < 0 || r >= size || c >= size) { return null; }
        var next = cellAt(r * size + c);
        if (next) { return next; }
        if (kind !== "sudoku") { return null; } /* a block ends a crossword entry */
      }
    }

    function highlight() {
      clues.forEach(function (li) { li.classList.remove("current"); });
      inputs.forEach(function (input) { input.classList.remove("in-entry"); });
      if (!active || kind === "sudoku") { return; }
      var index = active.dataset.index;
      var best = null;
      clues.forEach(function (li) {
        var members = li.dataset.cells.split(",");
        var isAcross = li.closest("section").querySelector("h2").textContent === "Across";
        if (members.indexOf(index) >= 0 && (best === null || isAcross === across)) { best = li; }
      });
      if (best) {
        best.classList.add("current");
        best.dataset.cells.split(",").forEach(function (i) { var c = cellAt(i); if (c) { c.classList.add("in-entry"); } });
      }
    }

    function put(input, value) {
      input.value = value;
      input.classList.remove("wrong");
      refresh();
    }

    inputs.forEach(function (input) {
      input.addEventListener("focus", function () { active = input; highlight(); });
      input.addEventListener("click", function () {
        if (active === input && kind !== "sudoku") { across = !across; highlight(); }
      });
      input.addEventListener("input", function () {
        var value = input.value.slice(-1);
        value = valid.test(value) ? (kind === "sudoku" ? value : value.toUpperCase()) : "";
        put(input, value);
        if (value) {
          var next = across ? step(+input.dataset.index, 0, 1) : step(+input.dataset.index, 1, 0);
          if (next && kind !== "sudoku") { next.focus(); }
        }
      });
      input.addEventListener("keydown", function (event) {
        var index = +input.dataset.index;
        var moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
        if (moves[event.key]) {
          event.preventDefault();
          var m = moves[event.key];
          if (kind !== "sudoku") { across = m[0] === 0; }
          var target = step(index, m[0], m[1]);
          if (target) { target.focus(); } else { highlight(); }
        } else if (event.key === "Backspace" && !input.value) {
          event.preventDefault();
          var back = across ? step(index, 0, -1) : step(index, -1, 0);
          if (back) { back.focus(); put(back, ""); }
        } else if (event.key === " " && kind !== "sudoku") {
          event.preventDefault();
          across = !across;
          highlight();
        }
      });
    });

    clues.forEach(function (li) {
      li.addEventListener("click", function () {
        across = li.closest("section").querySelector("h2").textContent === "Across";
        var first = cellAt(li.dataset.cells.split(",")[0]);
        if (first) { first.focus(); }
      });
    });

    Array.prototype.forEach.call(root.querySelectorAll(".keypad button"), function (button) {
      button.addEventListener("click", function () {
        if (!active) { active = inputs.filter(function (i) { return !i.value; })[0] || inputs[0]; }
        put(active, button.dataset.digit);
        active.focus();
      });
    });

    root.querySelector("[data-action=check]").addEventListener("click", function () {
      var wrong = 0;
      inputs.forEach(function (input) {
        var bad = input.value !== "" && !right(input);
        input.classList.toggle("wrong", bad);
        if (bad) { wrong += 1; }
      });
      var empty = inputs.filter(function (i) { return !i.value; }).length;
      status.textContent = root.classList.contains("is-solved") ? "Solved! Well done." :
        (wrong ? wrong + " wrong" : "No mistakes so far") + (empty ? ", " + empty + " to go." : ".");
    });
    root.querySelector("[data-action=reveal]").addEventListener("click", function () {
      inputs.forEach(function (input) {
        input.value = solution.charAt(+input.dataset.index);
        input.classList.remove("wrong");
      });
      refresh();
      status.textContent = "Revealed.";
    });
    root.querySelector("[data-action=clear]").addEventListener("click", function () {
      inputs.forEach(function (input) { input.value = ""; input.classList.remove("wrong"); });
      refresh();
      status.textContent = "";
    });

    document.documentElement.classList.add("js");
    load();
    refresh();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".puzzle"), init);
}());
