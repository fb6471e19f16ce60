//! Generated playbooks for benchmarks and tests: long linear runs in each format, so a
//! benchmark can measure the engine's cost per step.

use std::fmt::Write;

/// A YAML playbook `linear` of `n` steps (n ≥ 2): questions with two choices and `do` steps
/// alternating, each a template over the inputs, then one `end`. Every step's answer is
/// `"yes"` for a question and `"done"` for a `do` step. Kept compact: 10,000 steps stay
/// under the 1 MB limit of a content file.
pub fn linear(n: usize) -> String {
    let n = n.max(2);
    let mut y = String::with_capacity(n * 160);
    y.push_str(
        "id: linear\ntitle: A long generated playbook\nsummary: Generated for benchmarks.\n\
         inputs:\n  caller: {prompt: \"Caller's computer name\", kind: hostname}\n\
         start: s1\nsteps:\n",
    );
    for i in 1..n {
        let next = i + 1;
        if i % 2 == 1 {
            let _ = writeln!(
                y,
                "  - id: s{i}\n    ask: \"Does {{{{ caller }}}} pass {i}?\"\n    \
                 choices: {{\"yes\": s{next}, \"no\": s{next}}}"
            );
        } else {
            let _ = writeln!(
                y,
                "  - id: s{i}\n    do: \"Have {{{{ caller }}}} fix {i}.\"\n    next: s{next}"
            );
        }
    }
    let _ = writeln!(
        y,
        "  - id: s{n}\n    end: fixed-understood\n    category: other\n    say: \"Done on {{{{ caller }}}}.\""
    );
    y
}

/// The answer `linear` expects at step `i` (1-based).
pub fn linear_answer(i: usize) -> &'static str {
    if i % 2 == 1 {
        "yes"
    } else {
        "done"
    }
}

/// An answers file (DESIGN.md's shape) that runs `linear(n)` to its end.
pub fn linear_answers(n: usize) -> String {
    let n = n.max(2);
    let mut y = String::with_capacity(n * 16);
    y.push_str("vars: {caller: pc-0042.example.com}\nanswers:\n");
    for i in 1..n {
        let _ = writeln!(y, "  s{i}: {}", linear_answer(i));
    }
    y
}

/// A YAML playbook `lua-steps` of `n` questions, each followed by a `lua` step that counts
/// in a variable and picks the next question: every answer runs one Lua step.
pub fn with_lua_steps(n: usize) -> String {
    let n = n.max(1);
    let mut y = String::with_capacity(n * 200);
    y.push_str(
        "id: lua-steps\ntitle: Questions and Lua steps\nsummary: Generated for benchmarks.\n\
         inputs:\n  caller: {prompt: \"Caller's computer name\", kind: hostname}\n\
         start: q1\nsteps:\n",
    );
    for i in 1..=n {
        let next = if i == n {
            "done".to_string()
        } else {
            format!("q{}", i + 1)
        };
        let _ = writeln!(
            y,
            "  - id: q{i}\n    ask: \"Question {i}?\"\n    choices: {{\"yes\": l{i}}}\n  \
             - id: l{i}\n    lua: |\n      vars.count = (tonumber(vars.count) or 0) + 1\n      \
             if vars.count >= 0 then return \"{next}\" end\n      return \"done\"\n    \
             next: [\"{next}\", done]"
        );
    }
    y.push_str("  - id: done\n    end: fixed-understood\n    category: other\n");
    y
}

/// A Lua playbook `lua-asks` that asks `n` questions in a loop (ids `q1`…), each answered
/// `"yes"`.
pub fn lua_asks(n: usize) -> String {
    format!(
        "return {{\n  id = \"lua-asks\",\n  title = \"Generated questions\",\n  \
         inputs = {{ caller = {{ prompt = \"Caller\", kind = \"hostname\" }} }},\n  \
         run = function(ctx)\n    local yes = 0\n    for i = 1, {n} do\n      \
         local a = ctx:ask{{ id = \"q\" .. i, text = \"Question \" .. i .. \" for \" .. ctx.vars.caller, choices = {{ \"yes\", \"no\" }} }}\n      \
         if a == \"yes\" then yes = yes + 1 end\n    end\n    \
         ctx:finish{{ status = \"fixed-understood\", category = \"other\" }}\n  end,\n}}\n"
    )
}

/// A small YAML playbook `triage-N`, shaped like the built-in triage: a question, two
/// instructions and three ends, for layers that patch many playbooks.
pub fn triage_like(i: usize) -> String {
    format!(
        "id: triage-{i}\ntitle: Generated triage {i}\nsummary: Generated for benchmarks.\n\
         inputs:\n  caller: {{prompt: \"Caller's computer name\", kind: hostname}}\n\
         start: scope\nsteps:\n\
         \x20 - id: scope\n    ask: \"Who is affected on {{{{ caller }}}}?\"\n    save: scope\n    next: ping\n\
         \x20 - id: ping\n    ask: \"Does ping by address answer?\"\n    choices: {{\"yes\": fixed, \"no\": network}}\n\
         \x20 - id: network\n    do: \"Work through basic network troubleshooting.\"\n    choices: {{fixed: fixed, \"not fixed\": escalate}}\n\
         \x20 - id: fixed\n    end: fixed-understood\n    category: network-connectivity\n\
         \x20 - id: escalate\n    end: not-fixed\n    category: network-connectivity\n    escalate: tier2\n    collect: [caller, scope]\n"
    )
}

/// A patch of [`triage_like`]`(i)`: inserts a step after `scope`, reroutes to it and
/// replaces `network`.
pub fn triage_patch(i: usize) -> String {
    format!(
        "patch: triage-{i}\n\
         choices:\n  scope: {{next: pilot}}\n\
         insert:\n\
         \x20 - id: pilot\n    after: scope\n    ask: \"Is {{{{ caller }}}} in the pilot group?\"\n    choices: {{\"yes\": ping, \"no\": network}}\n\
         replace:\n\
         \x20 - id: network\n    do: \"Outside the pilot: basic network troubleshooting.\"\n    choices: {{fixed: fixed, \"not fixed\": escalate}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_has_n_steps_and_one_end() {
        let y = linear(10);
        assert_eq!(y.matches("  - id: s").count(), 10);
        assert_eq!(y.matches("end: fixed-understood").count(), 1);
        assert!(y.contains("choices: {\"yes\": s2, \"no\": s2}"));
        assert!(y.contains("  - id: s2\n    do: \"Have {{ caller }} fix 2.\"\n    next: s3"));
        assert!(linear(10_000).len() < 1024 * 1024);
    }

    #[test]
    fn linear_answers_answer_every_step() {
        let a = linear_answers(4);
        assert_eq!(
            a,
            "vars: {caller: pc-0042.example.com}\nanswers:\n  s1: yes\n  s2: done\n  s3: yes\n"
        );
    }

    #[test]
    fn lua_variants_name_their_steps() {
        assert_eq!(with_lua_steps(3).matches("lua: |").count(), 3);
        assert!(lua_asks(5).contains("for i = 1, 5 do"));
    }
}
