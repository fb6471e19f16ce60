-- detect-policy: the detect-policy script as a playbook.
-- Source: seed "Support Script Examples" (Detect_IPsec_Policy.vbs) and "Troubleshooting
-- Flowcharts". The script reads the domain IPsec policy's version from the computer's local
-- policy cache and tells whether it matches the version in the directory. A mismatch is
-- what the refresh script fixes; if the refresh does not bring the versions together, the
-- policy itself is suspect.
--
-- Step ids (for answers files and scenarios):
--   read-policy-version    probe: command show-policy-version
--   same-version           ask: matches | differs | no domain policy
--   still-failing          ask: still fails | works now            (versions matched)
--   run-refresh            ask: done | could not run               (versions differed)
--   reread-policy-version  probe: command show-policy-version       (after the refresh)
--   same-after-refresh     ask: matches | still differs | still no policy
--   works-now              ask: works now | still fails

local HELP_VERIFY = { "verifying-ipsec-policy", "support-scripts" }

-- One sentence about what the probe found, for the question that follows it.
local function describe(result, computer)
  if result.status == "ok" then
    local found = result.summary or "see the probe output"
    return "The policy version on " .. computer .. " was read: " .. found .. "."
  end
  return "The policy version could not be read automatically on " .. computer
    .. ". Open IP Security Monitor there (as a local administrator) and read the assigned"
    .. " domain policy and its version, then compare it with the directory's."
end

return {
  id = "detect-policy",
  title = "Is this computer running the current IPsec policy?",
  summary = "The detect-policy script as a playbook: compare the IPsec policy version applied on a computer with the directory's, refresh it when they differ, and classify the result.",
  tier = { 1, 2 },
  tags = { "policy", "policy-version", "support-scripts" },
  source = "seed: Support Script Examples (Detect_IPsec_Policy.vbs)",
  os = { "win2000", "winxp", "winxp-sp2", "win2003", "windows" },
  inputs = {
    computer = { prompt = "Computer to check (run this on that computer)", kind = "hostname" },
    -- The category of the call follows the computer checked: the caller's or the target.
    side = {
      prompt = "Whose computer is it: the caller's or the target?",
      kind = "choice", choices = { "caller", "target" }, default = "caller",
    },
  },
  run = function(ctx)
    local computer = ctx.vars.computer
    local policy = ctx.vars.side .. "-policy"

    local applied = ctx:probe("command", { task = "show-policy-version", from = ctx.vars.side }, "read-policy-version")
    local same = ctx:ask{
      id = "same-version",
      text = describe(applied, computer)
        .. " Does the version applied on the computer match the version in the directory?",
      choices = { "matches", "differs", "no domain policy" },
      help = HELP_VERIFY,
    }

    if same == "matches" then
      local still = ctx:ask{
        id = "still-failing",
        text = computer .. " runs the current domain IPsec policy, so the policy version is"
          .. " not the cause. Does the caller's problem still occur?",
        choices = { "still fails", "works now" },
        help = { "call-outcomes", "escalation-checklist" },
      }
      if still == "works now" then
        ctx:say("Nothing was changed and the problem has gone: record what the caller did.")
        return ctx:finish{ status = "fixed-unclear", category = "other" }
      end
      ctx:say("The policy is current. Run collect-diagnostics on " .. computer
        .. " and escalate with the files named after it.")
      return ctx:finish{
        status = "not-fixed", category = "other", escalate = "tier2",
        collect = { "computer", "diagnostics" },
      }
    end

    -- Wrong version or no domain policy: the refresh script's job.
    local refreshed = ctx:ask{
      id = "run-refresh",
      text = "Refresh the policy on " .. computer .. ": purge the computer's Kerberos tickets,"
        .. " refresh Group Policy and restart the IPsec service so that it loads the policy now"
        .. " (without the restart a changed policy arrives only at the policy's polling interval,"
        .. " 180 minutes unless your organisation changed it). The refresh-policy playbook"
        .. " guides you. Done?",
      choices = { "done", "could not run" },
      help = { "support-scripts", "group-policy-for-ipsec" },
    }
    if refreshed == "could not run" then
      return ctx:finish{
        status = "not-fixed", category = policy, escalate = "tier2",
        collect = { "computer" },
      }
    end

    local again = ctx:probe("command", { task = "show-policy-version", from = ctx.vars.side }, "reread-policy-version")
    local now = ctx:ask{
      id = "same-after-refresh",
      text = describe(again, computer) .. " After the refresh, does it match the directory's?",
      choices = { "matches", "still differs", "still no policy" },
      help = HELP_VERIFY,
    }
    if now == "still differs" then
      -- The computer downloads a policy that does not match the directory's copy: the policy
      -- objects themselves may be damaged or unreadable.
      ctx:say("The versions still differ after a refresh: Tier 2 checks the policy in the directory.")
      return ctx:finish{
        status = "not-fixed", category = "policy-integrity", escalate = "tier2",
        collect = { "computer", "diagnostics" },
      }
    end
    if now == "still no policy" then
      ctx:say("Still no domain IPsec policy: Tier 2 checks the computer's Group Policy and group memberships.")
      return ctx:finish{
        status = "not-fixed", category = policy, escalate = "tier2",
        collect = { "computer", "diagnostics" },
      }
    end

    local works = ctx:ask{
      id = "works-now",
      text = computer .. " now runs the current policy. Ask the caller to retry what failed."
        .. " Does it work now?",
      choices = { "works now", "still fails" },
      help = { "call-outcomes" },
    }
    if works == "works now" then
      ctx:say("The refresh fixed it; why the computer had an old policy, or none, is not known.")
      return ctx:finish{ status = "fixed-unclear", category = policy }
    end
    ctx:say("The policy is current now but the problem remains. Run collect-diagnostics and escalate.")
    return ctx:finish{
      status = "not-fixed", category = policy, escalate = "tier2",
      collect = { "computer", "diagnostics" },
    }
  end,
}
