/* deskbook offline search: binds to <input type="search" id="search">, shows ranked results
 * in #search-results as you type, and opens search.html?q=... with that query's results.
 *
 * Plain JavaScript, no external scripts. The index (written by engine/sitesearch) is a
 * folder of small script files, each calling deskbookSearch.piece(name, data); they are
 * loaded with <script> elements, which works from file:// where fetch() does not, and only
 * the pieces a query needs are loaded. The ranking is the command line's (`deskbook
 * search`): the same terms (the index maps typed words to the analyzer's terms), the same
 * BM25 in 32-bit floats, field weights, typo corrections, phrases, event numbers, tool
 * names and ids as keys that rank first.
 *
 * The script tag may say where the index and the site root are, relative to the script:
 * data-index (default "../search/") and data-root (default "../").
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var scriptUrl = script && script.src ? script.src : document.baseURI;
  var attr = function (name, fallback) {
    return (script && script.getAttribute(name)) || fallback;
  };
  var indexBase = new URL(attr("data-index", "../search/"), scriptUrl).href;
  var siteRoot = new URL(attr("data-root", "../"), scriptUrl).href;

  // ---- loading pieces ---------------------------------------------------------------
  var pieces = {};
  var loadedNames = [];

  function load(name) {
    var p = pieces[name];
    if (p) {
      return p.promise;
    }
    p = pieces[name] = {};
    p.promise = new Promise(function (resolve, reject) {
      p.resolve = resolve;
      var el = document.createElement("script");
      el.src = indexBase + name + ".js";
      el.async = true;
      el.onerror = function () {
        delete pieces[name];
        reject(new Error("search index piece " + name + " could not be loaded"));
      };
      el.onload = function () {
        el.remove();
      };
      document.head.appendChild(el);
    });
    loadedNames.push(name);
    return p.promise;
  }

  function piece(name, data) {
    var p = pieces[name];
    if (!p) {
      p = pieces[name] = {};
      p.promise = Promise.resolve(data);
    } else if (p.resolve) {
      p.resolve(data);
    }
    p.data = data;
  }

  function loadAll(names) {
    var unique = Array.from(new Set(names));
    return Promise.all(unique.map(load)).then(function (datas) {
      var out = {};
      unique.forEach(function (n, i) {
        out[n] = datas[i];
      });
      return out;
    });
  }

  // obj[key] when obj has it itself (what people type must never reach Object.prototype).
  function own(obj, key) {
    return obj && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
  }

  // ---- encodings shared with engine/sitesearch/src/code.rs ---------------------------
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = {};
  for (var ai = 0; ai < 64; ai++) {
    VALUE[ALPHABET.charAt(ai)] = ai;
  }

  function varints(text) {
    var out = [];
    var value = 0;
    var scale = 1;
    for (var i = 0; i < text.length; i++) {
      var v = VALUE[text.charAt(i)];
      value += (v & 31) * scale;
      if (v & 32) {
        scale *= 32;
      } else {
        out.push(value);
        value = 0;
        scale = 1;
      }
    }
    return out;
  }

  // [[doc, tf], ...] from a postings string.
  function postings(text) {
    var nums = varints(text);
    var out = [];
    var prev = -1;
    for (var i = 0; i < nums.length; i++) {
      var v = nums[i];
      var small = v % 8;
      var doc = prev + 1 + Math.floor(v / 8);
      var tf = small;
      if (small === 0) {
        i++;
        tf = nums[i] + 8;
      }
      out.push([doc, tf]);
      prev = doc;
    }
    return out;
  }

  // A page's phrase fields: field -> term -> positions.
  function sequences(p) {
    var vocab = p.v.split(" ");
    var out = {};
    Object.keys(p.f).forEach(function (f) {
      var slots = varints(p.f[f]);
      var terms = Object.create(null);
      for (var at = 0; at < slots.length; at++) {
        if (slots[at] > 0) {
          var t = vocab[slots[at] - 1];
          (terms[t] = terms[t] || []).push(at);
        }
      }
      out[f] = terms;
    });
    return out;
  }

  var encoder = new TextEncoder();

  function fnv1a(key) {
    var bytes = encoder.encode(key);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  function hex(s) {
    var bytes = encoder.encode(s);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function fuzzyKeys(term) {
    var chars = Array.from(term);
    return [
      "f/p" + hex(chars.slice(0, 2).join("")),
      "f/s" + hex(chars.slice(Math.max(0, chars.length - 2)).join("")),
    ];
  }

  // ---- the analyzer (deskbook-search's analyzer.rs, stems precomputed) ---------------
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var EDGE = /^[^\p{Alphabetic}\p{N}]+|[^\p{Alphabetic}\p{N}]+$/gu;
  var SPECIAL = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i" };

  function fold(word) {
    var s = word.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    return s.replace(/[ßæœøđłþðı]/g, function (c) {
      return SPECIAL[c];
    });
  }

  // Tokens of `text`: {position, word (lowercased as typed), folded}, stop words removed
  // but counted in positions, as tantivy's SimpleTokenizer and filters do.
  function tokens(meta, text) {
    var out = [];
    var position = 0;
    var m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var raw = m[0];
      var at = position++;
      if (encoder.encode(raw).length >= meta.maxTokenBytes) {
        continue;
      }
      var lower = raw.toLowerCase();
      var folded = fold(lower);
      if (meta.stop.has(folded)) {
        continue;
      }
      out.push({ position: at, word: lower, folded: folded });
    }
    return out;
  }

  // ---- BM25 as tantivy computes it, in 32-bit floats --------------------------------
  var f32 = Math.fround;

  function idf(docFreq, numDocs) {
    var x = f32(f32(f32(numDocs - docFreq) + 0.5) / f32(docFreq + 0.5));
    return f32(Math.log(f32(1 + x)));
  }

  function bm25(meta, field, idfValue) {
    var info = meta.fields[field];
    var weight = f32(idfValue * f32(1 + meta.k1));
    var avg = f32(info.avg);
    var cache = new Array(256);
    for (var id = 0; id < 256; id++) {
      var norm = f32(meta.fieldnorms[id]);
      cache[id] = f32(meta.k1 * f32(f32(1 - meta.b) + f32(f32(meta.b * norm) / avg)));
    }
    return function (fieldnormId, tf) {
      return f32(weight * f32(tf / f32(tf + cache[fieldnormId])));
    };
  }

  // ---- typo corrections --------------------------------------------------------------
  // Damerau (optimal string alignment) distance of at most one, over code points.
  function withinOneEdit(a, b) {
    if (a === b) {
      return true;
    }
    var x = Array.from(a);
    var y = Array.from(b);
    if (Math.abs(x.length - y.length) > 1) {
      return false;
    }
    var i = 0;
    while (i < x.length && i < y.length && x[i] === y[i]) {
      i++;
    }
    var rest = function (p, q) {
      return x.slice(p).join("") === y.slice(q).join("");
    };
    if (x.length === y.length) {
      return rest(i + 1, i + 1) || (x[i] === y[i + 1] && x[i + 1] === y[i] && rest(i + 2, i + 2));
    }
    return x.length > y.length ? rest(i + 1, i) : rest(i, i + 1);
  }

  // ---- phrases (tantivy's phrase_scorer.rs) ------------------------------------------
  function countWithSlop(left, right, slop) {
    var li = 0;
    var ri = 0;
    var count = 0;
    while (li < left.length && ri < right.length) {
      var lv = left[li];
      var rv = right[ri];
      if (Math.abs(lv - rv) <= slop) {
        while (li + 1 < left.length && left[li + 1] <= rv) {
          li++;
        }
        count++;
        li++;
        ri++;
      } else if (lv < rv) {
        li++;
      } else {
        ri++;
      }
    }
    return count;
  }

  // intersection_count_with_carrying_slop; returns {count, left, slops} (new left when
  // `update`).
  function carrying(left, slops, right, maxSlop, update) {
    var li = 0;
    var ri = 0;
    var count = 0;
    var newLeft = [];
    var newSlops = [];
    if (left.length === 0 || right.length === 0) {
      return { count: 0, left: [], slops: [] };
    }
    var add = function (slop, val) {
      if (!update) {
        return;
      }
      if (newLeft.length && newLeft[newLeft.length - 1] === val) {
        newSlops[newSlops.length - 1] = Math.min(newSlops[newSlops.length - 1], slop);
      } else {
        newLeft.push(val);
        newSlops.push(slop);
      }
    };
    for (;;) {
      var lv = left[li];
      var soFar = slops[li] || 0;
      var rv = right[ri];
      var distance = soFar + Math.abs(lv - rv);
      if (distance <= maxSlop) {
        var leftSmaller = lv < rv;
        var smaller = leftSmaller ? lv : rv;
        var larger = leftSmaller ? rv : lv;
        var idx = leftSmaller ? li : ri;
        var list = leftSmaller ? left : right;
        var slop = distance;
        add(slop, smaller);
        while (idx + 1 < list.length) {
          var next = list[idx + 1];
          if (next > larger) {
            break;
          }
          idx++;
          slop = soFar + Math.abs(next - larger);
          add(slop, next);
        }
        add(slop, larger);
        count++;
        li++;
        ri++;
      } else if (lv < rv) {
        li++;
      } else {
        ri++;
      }
      if (li >= left.length || ri >= right.length) {
        if (li >= left.length) {
          var last = left[left.length - 1];
          var lastSlop = slops.length ? slops[slops.length - 1] : 0;
          for (var r = ri; r < right.length; r++) {
            var s1 = Math.abs(last - right[r]) + lastSlop;
            if (s1 <= maxSlop) {
              add(s1, right[r]);
            }
          }
        } else {
          var lastRight = right[right.length - 1];
          for (var l = li; l < left.length; l++) {
            var s2 = Math.abs(left[l] - lastRight) + (slops[l] || 0);
            if (s2 <= maxSlop) {
              add(s2, left[l]);
            }
          }
        }
        break;
      }
    }
    return { count: count, left: update ? newLeft : left, slops: update ? newSlops : slops };
  }

  function intersect(left, right) {
    var out = [];
    var li = 0;
    var ri = 0;
    while (li < left.length && ri < right.length) {
      if (left[li] < right[ri]) {
        li++;
      } else if (left[li] > right[ri]) {
        ri++;
      } else {
        out.push(left[li]);
        li++;
        ri++;
      }
    }
    return out;
  }

  // How often the phrase `lists` (positions per term, already shifted by offset and in
  // tantivy's docset order) occurs with `slop`.
  function phraseCount(lists, slop) {
    var left = lists[0].slice();
    var slops = [];
    var n = lists.length;
    for (var i = 1; i < n - 1; i++) {
      if (slop > 0) {
        var r = carrying(left, slops, lists[i], slop, true);
        left = r.left;
        slops = r.slops;
      } else {
        left = intersect(left, lists[i]);
      }
      if (left.length === 0) {
        return 0;
      }
    }
    var right = lists[n - 1];
    if (slop > 0) {
      if (n > 2) {
        return carrying(left, slops, right, slop, false).count;
      }
      return countWithSlop(left, right, slop);
    }
    return intersect(left, right).length;
  }

  // ---- the engine --------------------------------------------------------------------
  var metaPromise = null;

  function meta() {
    if (!metaPromise) {
      metaPromise = load("meta").then(function (m) {
        m.stop = new Set(m.stopWords);
        m.textFields = [];
        m.fields.forEach(function (f, i) {
          if (f.text) {
            m.textFields.push(i);
          }
        });
        m.fuzzyKeys = new Set(m.fuzzy.split(" ").map(function (k) { return "f/" + k; }));
        return m;
      });
    }
    return metaPromise;
  }

  function shardOf(m, key) {
    return "s/" + (fnv1a(key) % m.shards);
  }

  // The postings entries of `terms`: term -> {field: [[doc, tf], ...]}.
  function entries(m, terms, cache) {
    var wanted = terms.filter(function (t) {
      return !own(cache, t);
    });
    return loadAll(wanted.map(function (t) { return shardOf(m, t); }))
      .then(function (shards) {
        var big = [];
        wanted.forEach(function (t) {
          var e = own(shards[shardOf(m, t)].t, t);
          if (typeof e === "number") {
            big.push([t, "b/" + e]);
          } else {
            cache[t] = decodeEntry(e);
          }
        });
        return loadAll(big.map(function (b) { return b[1]; })).then(function (files) {
          big.forEach(function (b) {
            cache[b[0]] = decodeEntry(own(files[b[1]].t, b[0]));
          });
          return cache;
        });
      });
  }

  function decodeEntry(e) {
    var out = {};
    if (!e) {
      return out;
    }
    Object.keys(e).forEach(function (f) {
      out[f] = postings(e[f]);
    });
    return out;
  }

  function isCode(term) {
    return /^[0-9]{2,6}$/.test(term);
  }

  function letters(word) {
    var m = word.match(/\p{Alphabetic}/gu);
    return m ? m.length : 0;
  }

  function rawWords(text, max) {
    return text
      .split(/\s+/)
      .map(function (w) { return w.replace(EDGE, "").toLowerCase(); })
      .filter(function (w) { return w.length > 0; })
      .slice(0, max);
  }

  function QueryError(message) {
    this.message = message;
  }

  // Build the query: resolves to {clauses, keys, phrases, cache}.
  function build(m, text) {
    var w = m.w;
    var chars = Array.from(text).length;
    if (chars > w.maxChars) {
      throw new QueryError(
        "the query is too long (" + chars + " characters; at most " + w.maxChars +
          " characters): type the caller's key words, an event number or a tool name");
    }
    var toks = tokens(m, text);
    if (toks.length === 0) {
      throw new QueryError(
        "nothing to search for in `" + text + "`: type a few words the caller used, an " +
          "event number (4268) or a tool name (netsh)");
    }
    if (toks.length > w.maxWords) {
      throw new QueryError(
        "the query is too long (" + toks.length + " words; at most " + w.maxWords +
          " words): type the caller's key words, an event number or a tool name");
    }
    var cache = Object.create(null);
    var trimmed = text.trim().toLowerCase();
    var isId = /^[a-z0-9-]+$/.test(trimmed);
    return loadAll(toks.map(function (t) { return shardOf(m, t.folded); }))
      .then(function (shards) {
        toks.forEach(function (t) {
          var d = own(shards[shardOf(m, t.folded)].d, t.folded);
          t.term = typeof d === "string" ? d : t.folded;
        });
        var wanted = [];
        toks.forEach(function (t) {
          wanted.push(t.term);
          (own(m.synonyms, t.word) || []).forEach(function (s) { wanted.push(s); });
        });
        if (isId) {
          wanted.push(trimmed);
        }
        return entries(m, wanted, cache);
      })
      .then(function () {
        // Typo corrections for unknown words of five letters or more.
        var known = function (term) {
          var e = own(cache, term) || {};
          return m.textFields.some(function (f) { return e[f] && e[f].length > 0; });
        };
        var typos = toks.filter(function (t) {
          return letters(t.word) >= w.fuzzyMinLetters && !known(t.term);
        });
        var files = [];
        typos.forEach(function (t) {
          files = files.concat(fuzzyKeys(t.term), fuzzyKeys(t.folded));
        });
        files = files.filter(function (k) { return m.fuzzyKeys.has(k); });
        // Words one edit away are one length apart: the pieces of their ending by length.
        var wordPieces = function (t, vocab) {
          var len = Array.from(t.folded).length;
          var out = [];
          fuzzyKeys(t.folded).forEach(function (key) {
            var have = vocab[key] ? vocab[key].l : [];
            [len - 1, len, len + 1].forEach(function (l) {
              if (have.indexOf(l) >= 0) {
                out.push(key + "-" + l);
              }
            });
          });
          return out;
        };
        var byLength = function (vocab) {
          var more = [];
          typos.forEach(function (t) { more = more.concat(wordPieces(t, vocab)); });
          return loadAll(more).then(function (extra) {
            Object.keys(extra).forEach(function (k) { vocab[k] = extra[k]; });
            return vocab;
          });
        };
        return loadAll(files).then(byLength).then(function (vocab) {
          var corrections = Object.create(null);
          var more = [];
          typos.forEach(function (t) {
            // Terms one edit from the term, and terms of words one edit from the word.
            var cands = Object.create(null);
            fuzzyKeys(t.term).forEach(function (k) {
              var v = vocab[k] ? vocab[k].t : {};
              Object.keys(v).forEach(function (term) {
                if (term !== t.term && own(v, term) && withinOneEdit(t.term, term)) {
                  cands[term] = v[term];
                }
              });
            });
            wordPieces(t, vocab).forEach(function (k) {
              var v = vocab[k] ? vocab[k].w : {};
              Object.keys(v).forEach(function (word) {
                if (own(v, word) && v[word][0] !== t.term && withinOneEdit(t.folded, word)) {
                  cands[v[word][0]] = v[word][1];
                }
              });
            });
            var sorted = Object.keys(cands).sort(compareBytes);
            var found = new Set();
            outer: for (var fi = 0; fi < m.textFields.length; fi++) {
              var bit = 1 << m.textFields[fi];
              for (var i = 0; i < sorted.length; i++) {
                if (cands[sorted[i]] & bit) {
                  found.add(sorted[i]);
                  if (found.size >= w.fuzzyMax) {
                    break outer;
                  }
                }
              }
            }
            corrections[t.term] = Array.from(found).sort(compareBytes);
            more = more.concat(corrections[t.term]);
          });
          return entries(m, more, cache).then(function () {
            return corrections;
          });
        });
      })
      .then(function (corrections) {
        var clauses = [];
        var keys = [];
        var seen = new Set();
        toks.forEach(function (t) {
          if (seen.has(t.term)) {
            return;
          }
          seen.add(t.term);
          var variants = [[t.term, 1]];
          (own(corrections, t.term) || []).forEach(function (c) { variants.push([c, w.fuzzy]); });
          (own(m.synonyms, t.word) || []).forEach(function (s) {
            if (s !== t.term) {
              variants.push([s, w.synonym]);
            }
          });
          variants.forEach(function (v) {
            var e = own(cache, v[0]) || {};
            m.textFields.forEach(function (f) {
              if (e[f] && e[f].length) {
                clauses.push({ field: f, list: e[f], boost: f32(m.fields[f].weight * v[1]) });
              }
            });
          });
          if (isCode(t.term)) {
            var e = own(cache, t.term) || {};
            var num = m.fields.findIndex(function (f) { return f.name === "number"; });
            var evs = m.fields.findIndex(function (f) { return f.name === "events"; });
            if (e[num] && e[num].length) {
              clauses.push({ field: num, list: e[num], boost: w.number });
              keys.push({ list: e[num], share: 1 });
            }
            if (e[evs] && e[evs].length) {
              clauses.push({ field: evs, list: e[evs], boost: w.events });
            }
          }
        });
        var words = rawWords(text, w.maxWords);
        for (var n = 1; n <= Math.min(3, words.length); n++) {
          for (var s = 0; s + n <= words.length; s++) {
            var name = words.slice(s, s + n).join(" ");
            var share = f32(Math.min(f32(n / Math.max(toks.length, 1)), 1));
            if (Object.prototype.hasOwnProperty.call(m.tools, name)) {
              var list = postings(m.tools[name]);
              clauses.push({ field: m.toolField, list: list, boost: f32(w.tool * share) });
              if (share >= w.toolKeyShare) {
                keys.push({ list: list, share: share });
              }
            }
          }
        }
        if (isId) {
          var idField = m.fields.findIndex(function (f) { return f.name === "id"; });
          var ie = own(cache, trimmed) || {};
          if (ie[idField] && ie[idField].length) {
            clauses.push({ field: idField, list: ie[idField], boost: w.id });
            keys.push({ list: ie[idField], share: 1 });
          }
        }
        var phrases = [];
        for (var p = 0; p + 1 < toks.length; p++) {
          if (toks[p].term === toks[p + 1].term) {
            continue;
          }
          m.phraseFields.forEach(function (pf) {
            phrases.push({
              field: pf[0], toks: [toks[p], toks[p + 1]], slop: w.pairSlop,
              boost: f32(pf[1] * w.phrase),
            });
          });
        }
        if (toks.length >= 3) {
          ["aliases", "title"].forEach(function (name) {
            var f = m.fields.findIndex(function (x) { return x.name === name; });
            phrases.push({ field: f, toks: toks, slop: w.wholeSlop, boost: w.whole });
          });
        }
        return { clauses: clauses, keys: keys, phrases: phrases, cache: cache };
      });
  }

  function compareBytes(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // Field norm ids of every document in the fields `fields`: field -> (doc -> id).
  var normCache = {};
  function norms(m, fields) {
    var names = [];
    var chunks = Math.ceil(m.docs / m.normChunk);
    fields.forEach(function (f) {
      if (m.fields[f].normed) {
        for (var c = 0; c < chunks; c++) {
          names.push("n/" + f + "-" + c);
        }
      }
    });
    return loadAll(names).then(function (files) {
      var out = {};
      fields.forEach(function (f) {
        if (!m.fields[f].normed) {
          out[f] = function () { return 1; };
          return;
        }
        out[f] = function (doc) {
          var c = Math.floor(doc / m.normChunk);
          var name = "n/" + f + "-" + c;
          var ids = normCache[name] || (normCache[name] = varints(files[name]));
          return ids[doc - c * m.normChunk];
        };
      });
      return out;
    });
  }

  function rank(a, b) {
    return b[1] - a[1] || a[0] - b[0];
  }

  // Run `text`; resolves to {query, hits: [{id, kind, title, summary, url, score}]}.
  function search(text, limit) {
    limit = limit || 10;
    return meta().then(function (m) {
      return build(m, text).then(function (q) {
        var fields = Array.from(new Set(q.clauses.map(function (c) { return c.field; })));
        return norms(m, fields).then(function (normOf) {
          var scores = new Map();
          q.clauses.forEach(function (c) {
            var score = bm25(m, c.field, idf(c.list.length, m.docs));
            var norm = normOf[c.field];
            for (var i = 0; i < c.list.length; i++) {
              var doc = c.list[i][0];
              var s = f32(score(norm(doc), c.list[i][1]) * c.boost);
              scores.set(doc, f32((scores.get(doc) || 0) + s));
            }
          });
          var all = Array.from(scores.entries()).sort(rank);
          var top = all.slice(0, Math.max(limit, 10) * m.w.rescore);
          var bonus = new Map();
          q.keys.forEach(function (k) {
            k.list.forEach(function (p) {
              bonus.set(p[0], f32((bonus.get(p[0]) || 0) + f32(m.w.keyBonus * k.share)));
            });
          });
          bonus.forEach(function (b, doc) {
            var hit = top.find(function (t) { return t[0] === doc; });
            if (hit) {
              hit[1] = f32(hit[1] + b);
            } else {
              top.push([doc, f32(b + (scores.get(doc) || 0))]);
            }
          });
          // Only the candidates holding every word of some phrase in one field are read
          // position by position.
          var holds = phraseHolders(q);
          var needed = top.filter(function (t) {
            return q.phrases.some(function (ph) { return holds(ph, t[0]); });
          });
          return loadAll(needed.map(function (t) { return "d/" + t[0]; })).then(function (pos) {
            needed.forEach(function (t) {
              var held = sequences(pos["d/" + t[0]]);
              q.phrases.forEach(function (ph) {
                if (holds(ph, t[0])) {
                  t[1] = f32(t[1] + phraseScore(m, q, ph, held, normOf, t[0]));
                }
              });
            });
            top.sort(rank);
            var shown = top.slice(0, limit);
            return loadAll(shown.map(function (t) { return "d/" + t[0]; })).then(function (docs) {
              return {
                query: text,
                hits: shown.map(function (t) {
                  var d = docs["d/" + t[0]];
                  return { id: d.i, kind: d.k, title: d.t, summary: d.s, url: d.u, score: t[1] };
                }),
              };
            });
          });
        });
      });
    });
  }

  // (phrase, doc) -> whether the doc holds all the phrase's terms in its field.
  function phraseHolders(q) {
    var sets = {};
    var docsOf = function (term, f) {
      var key = f + " " + term;
      if (!sets[key]) {
        var e = own(q.cache, term) || {};
        sets[key] = new Set((e[f] || []).map(function (p) { return p[0]; }));
      }
      return sets[key];
    };
    return function (ph, doc) {
      return ph.toks.every(function (t) { return docsOf(t.term, ph.field).has(doc); });
    };
  }

  function phraseScore(m, q, ph, heldFields, normOf, doc) {
    var f = ph.field;
    var first = ph.toks[0].position;
    var terms = ph.toks.map(function (t, i) {
      var e = own(q.cache, t.term) || {};
      var list = e[f] || [];
      return { offset: t.position - first, term: t.term, df: list.length, order: i };
    });
    if (terms.some(function (t) { return t.df === 0; })) {
      return 0;
    }
    var held = own(heldFields, f) || {};
    if (terms.some(function (t) { return !own(held, t.term); })) {
      return 0;
    }
    var idfSum = 0;
    terms.forEach(function (t) { idfSum = f32(idfSum + idf(t.df, m.docs)); });
    var maxOffset = Math.max.apply(null, terms.map(function (t) { return t.offset; }));
    // tantivy sorts the phrase's terms by offset, then its intersection by cost.
    var ordered = terms.slice().sort(function (a, b) {
      return a.offset - b.offset || a.order - b.order;
    });
    ordered = ordered
      .map(function (t, i) { return [t, i]; })
      .sort(function (a, b) { return a[0].df - b[0].df || a[1] - b[1]; })
      .map(function (x) { return x[0]; });
    var lists = ordered.map(function (t) {
      var shift = maxOffset - t.offset;
      return held[t.term].map(function (p) { return p + shift; });
    });
    var count = phraseCount(lists, ph.slop);
    if (count === 0) {
      return 0;
    }
    var normId = normOf[f] ? normOf[f](doc) : 1;
    return f32(bm25(m, f, idfSum)(normId, count) * ph.boost);
  }

  // ---- the page ----------------------------------------------------------------------
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function render(box, result) {
    if (result.error) {
      box.innerHTML = '<p class="search-error">' + escapeHtml(result.error) + "</p>";
      return;
    }
    if (result.hits.length === 0) {
      box.innerHTML = '<p class="search-none">No page matches “' + escapeHtml(result.query) + "”.</p>";
      return;
    }
    box.innerHTML =
      '<ol class="search-hits">' +
      result.hits
        .map(function (h) {
          return (
            '<li data-id="' + escapeHtml(h.id) + '"><a href="' + escapeHtml(siteRoot + h.url) + '">' +
            escapeHtml(h.title) + '</a> <span class="search-kind">' + escapeHtml(h.kind) +
            "</span><br><span class=\"search-summary\">" + escapeHtml(h.summary) + "</span></li>"
          );
        })
        .join("") +
      "</ol>";
  }

  function bind() {
    var input = document.getElementById("search");
    if (!input) {
      return;
    }
    var box = document.getElementById("search-results");
    if (!box) {
      box = document.createElement("div");
      box.id = "search-results";
      var anchor = input.form || input;
      anchor.parentNode.insertBefore(box, anchor.nextSibling);
    }
    box.setAttribute("aria-live", "polite");
    var serial = 0;
    var timer = null;
    var run = function () {
      var text = input.value;
      var mine = ++serial;
      if (text.trim() === "") {
        box.innerHTML = "";
        return;
      }
      search(text, 10).then(
        function (r) {
          if (mine === serial) {
            render(box, r);
          }
        },
        function (e) {
          if (mine === serial) {
            render(box, { error: e && e.message ? e.message : String(e) });
          }
        }
      );
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 60);
    });
    input.addEventListener("focus", function () {
      meta().catch(function () {});
    }, { once: true });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) {
      input.value = q;
      run();
    }
  }

  window.deskbookSearch = {
    piece: piece,
    search: function (text, limit) {
      try {
        return search(text, limit).catch(function (e) {
          throw e instanceof QueryError ? new Error(e.message) : e;
        });
      } catch (e) {
        return Promise.reject(e instanceof QueryError ? new Error(e.message) : e);
      }
    },
    loaded: function () {
      return loadedNames.slice();
    },
    fnv1a: fnv1a,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
