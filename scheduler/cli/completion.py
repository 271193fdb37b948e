"""``cronbridge completion bash|zsh|fish``: a shell completion script on stdout.

The script completes verbs, sub-verbs (``dlq list``, ``local up``), each verb's flags and
job names. Verbs and flags are written into the script from the real parsers when it is
generated; job names are asked for at completion time with ``cronbridge completion
--list-jobs``, which reads the nearest ``jobs.yaml`` (the one the verbs would use) without
validating it, so it stays fast and works on a catalogue with mistakes in it.

    eval "$(cronbridge completion bash)"        # in ~/.bashrc
    eval "$(cronbridge completion zsh)"         # in ~/.zshrc
    cronbridge completion fish > ~/.config/fish/completions/cronbridge.fish
"""

from __future__ import annotations

import argparse
import importlib
import shlex
from typing import Any

from scheduler.cli import common
from scheduler.cli.output import Result

SHELLS = ("bash", "zsh", "fish")
# Verbs whose positional arguments are job names.
JOB_VERBS = ("run", "history", "next", "describe", "pause", "resume", "backfill")
GLOBAL_FLAGS = ("--json", "--debug", "--color", "--help", "--version")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", nargs="?", choices=SHELLS, help="the shell to complete in")
    parser.add_argument("--list-jobs", action="store_true", help=argparse.SUPPRESS)
    common.add_file_arg(parser)


def run(args: argparse.Namespace) -> Result:
    if args.list_jobs:
        jobs = job_names(args)
        return Result(data=jobs, text="\n".join(jobs))
    if args.shell is None:
        from scheduler.errors import UsageError

        raise UsageError(
            "name the shell: bash, zsh or fish", hint='e.g. eval "$(cronbridge completion bash)"'
        )
    tree = verb_tree()
    script = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[args.shell](tree)
    return Result(data={"shell": args.shell, "script": script}, text=script)


def job_names(args: argparse.Namespace) -> list[str]:
    """The job names of the nearest catalogue; [] when there is none or it does not parse."""
    path = common.catalogue_path(args)
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader
    except Exception:  # completion must never print an error into the user's prompt
        return []
    jobs = data.get("jobs") if isinstance(data, dict) else None
    return [str(name) for name in jobs] if isinstance(jobs, dict) else []


def verb_tree() -> dict[str, dict[str, Any]]:
    """verb -> {"help", "flags", "subs": {sub-verb: flags}} from every verb's real parser."""
    from scheduler.cli.verbs import VERBS

    tree: dict[str, dict[str, Any]] = {}
    for verb in VERBS:
        parser = argparse.ArgumentParser(add_help=False)
        importlib.import_module(verb.module).configure(parser)
        subs: dict[str, list[str]] = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    subs[name] = _flags(sub)
        tree[verb.name] = {"help": verb.help, "flags": _flags(parser), "subs": subs}
    return tree


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    flags = [
        opt
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for opt in action.option_strings
        if opt.startswith("--")
    ]
    return sorted({*flags, "--json", "--debug", "--color", "--help"})


def _words(items: list[str] | tuple[str, ...]) -> str:
    return shlex.quote(" ".join(items))


def bash_script(tree: dict[str, dict[str, Any]]) -> str:
    cases = []
    for verb, info in tree.items():
        cases.append(f"        {verb}) flags={_words(info['flags'])} ;;")
        for sub, flags in info["subs"].items():
            cases.append(f"        {verb}:{sub}) flags={_words(flags)} ;;")
    subs = [
        f"        {verb}) subs={_words(list(info['subs']))} ;;"
        for verb, info in tree.items()
        if info["subs"]
    ]
    return BASH.format(
        verbs=_words(list(tree)),
        globals=_words(GLOBAL_FLAGS),
        cases="\n".join(cases),
        subs="\n".join(subs),
        job_verbs="|".join(JOB_VERBS),
    )


def zsh_script(tree: dict[str, dict[str, Any]]) -> str:
    # zsh runs bash completion functions through bashcompinit, so the two stay one script.
    return ZSH_PREAMBLE + bash_script(tree)


def fish_script(tree: dict[str, dict[str, Any]]) -> str:
    verbs = " ".join(tree)
    lines = [
        "# cronbridge completion for fish: cronbridge completion fish | source",
        "complete -c cronbridge -f",
    ]
    for verb, info in tree.items():
        lines.append(
            f"complete -c cronbridge -n 'not __fish_seen_subcommand_from {verbs}' "
            f"-a {verb} -d {shlex.quote(info['help'][:60])}"
        )
        for flag in info["flags"]:
            lines.append(
                f"complete -c cronbridge -n '__fish_seen_subcommand_from {verb}' -l {flag[2:]}"
            )
        for sub in info["subs"]:
            lines.append(
                f"complete -c cronbridge -n '__fish_seen_subcommand_from {verb}; and not "
                f"__fish_seen_subcommand_from {' '.join(info['subs'])}' -a {sub}"
            )
    jobs = " ".join(v for v in JOB_VERBS if v in tree)
    lines.append(
        f"complete -c cronbridge -n '__fish_seen_subcommand_from {jobs}' "
        "-a '(cronbridge completion --list-jobs 2>/dev/null)'"
    )
    lines.append(
        "complete -c cronbridge -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'"
    )
    lines.append("complete -c cronbridge -s f -l file -r -F")
    return "\n".join(lines) + "\n"


ZSH_PREAMBLE = """\
# cronbridge completion for zsh: eval "$(cronbridge completion zsh)"
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
"""

BASH = """\
# cronbridge completion for bash: eval "$(cronbridge completion bash)"
_cronbridge() {{
    # zsh (through bashcompinit): index arrays from 0, as bash does.
    [[ -n "${{ZSH_VERSION-}}" ]] && setopt localoptions ksharrays
    local cur prev verb="" sub="" i word flags="" subs="" jobs=""
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        case "$word" in
            -*) ;;
            *) if [[ -z "$verb" ]]; then verb="$word"; elif [[ -z "$sub" ]]; then sub="$word"; fi ;;
        esac
    done
    case "$prev" in
        -f|--file|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    esac
    if [[ -z "$verb" ]]; then
        COMPREPLY=($(compgen -W {verbs}" "{globals} -- "$cur"))
        return
    fi
    case "$verb" in
{subs}
    esac
    if [[ -n "$subs" && -z "$sub" && "$cur" != -* ]]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
        return
    fi
    case "$verb${{sub:+:$sub}}" in
{cases}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    case "$verb" in
        {job_verbs})
            jobs="$(cronbridge completion --list-jobs 2>/dev/null)"
            COMPREPLY=($(compgen -W "$jobs" -- "$cur")) ;;
        completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
    esac
}}
complete -F _cronbridge cronbridge
"""
