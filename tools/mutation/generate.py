"""Mutants of one reference solution, found on libclang's AST and made as text edits.

Operators (OPERATORS below): the concurrency set of ConMAn (Bradbury, Cordy and Dingel, 2006),
as far as it applies to C++ threads, and the classic ones. Each mutant has an id made of its
operator, its line and a hash of its edit, so that the same edit keeps its id from run to run.
"""

import dataclasses
import difflib
import hashlib
import os
import re

import clang.cindex as cindex

OPERATORS = {
    # ConMAn: critical sections, notifications, waits, joins, which thread runs what.
    "remove_lock": "a lock_guard / unique_lock / scoped_lock removed: the critical section is gone",
    "shrink_lock": "a lock taken one statement later: the critical section shrinks",
    "remove_notify": "a notify_one / notify_all removed",
    "move_notify": "a notify moved one statement earlier",
    "notify_all_to_one": "notify_all replaced by notify_one",
    "wait_no_predicate": "a wait without its predicate: it waits once, then takes what it finds",
    "wait_to_sleep": "a condition-variable wait replaced by a sleep",
    "wait_polls": "a condition-variable wait replaced by a 1 ms polling loop",
    "wait_ignores_stop": "a wait that a stop request no longer ends",
    "join_to_detach": "join() replaced by detach()",
    "remove_join": "a join() removed",
    "thread_inline": "a thread's body run inline on the caller's thread",
    "task_on_new_thread": "a call of a std::function run on a new thread, waited for at once",
    # Classic.
    "relational": "a relational or logical operator replaced (< and <=, == and !=, && and ||)",
    "negate": "a logical not (!) removed",
    "constant": "an integer constant off by one, or a bool constant flipped",
    "delete_statement": "a statement deleted",
    "swap_statements": "two adjacent statements swapped",
    "drop_move": "a std::move dropped: the value is copied",
    "return_value": "a return value replaced (by {}, or negated)",
}
CONCURRENCY_OPERATORS = list(OPERATORS)[: list(OPERATORS).index("relational")]

LOCK_TYPE = re.compile(r"\b(lock_guard|unique_lock|scoped_lock)\b")
THREAD_CLASSES = ("thread", "jthread")
CONDITION_VARIABLES = ("condition_variable", "condition_variable_any")
RELATIONAL = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==", "&&": "||"}
RELATIONAL["||"] = "&&"
SLEEP = "std::this_thread::sleep_for(std::chrono::milliseconds(1))"


@dataclasses.dataclass(frozen=True)
class Edit:
    start: int  # byte offsets into the file
    end: int
    text: str


@dataclasses.dataclass(frozen=True)
class Mutant:
    id: str
    operator: str
    line: int
    source: str  # the whole mutated file

    def diff(self, original: str, path: str) -> str:
        return "".join(
            difflib.unified_diff(
                original.splitlines(keepends=True),
                self.source.splitlines(keepends=True),
                f"a/{path}",
                f"b/{path}",
                n=1,
            )
        )


class _Generator:
    def __init__(self, path: str, root: str):
        self.path = os.path.abspath(path)
        with open(self.path, "rb") as file:
            self.src = file.read()
        index = cindex.Index.create()
        self.unit = index.parse(self.path, args=["-x", "c++", "-std=c++20", f"-I{root}"])
        self.mutants: list[Mutant] = []
        self.ids: set[str] = set()
        self.seen = {self.src}

    # --- text helpers -----------------------------------------------------------------

    def text(self, start: int, end: int) -> str:
        return self.src[start:end].decode()

    def extent(self, cursor) -> tuple[int, int]:
        return cursor.extent.start.offset, cursor.extent.end.offset

    def cursor_text(self, cursor) -> str:
        return self.text(*self.extent(cursor))

    def statement_span(self, cursor) -> tuple[int, int]:
        """The statement with its semicolon; whole lines when it stands on lines of its own."""
        start, end = self.extent(cursor)
        after = end
        while self.src[after : after + 1] in (b" ", b"\t"):
            after += 1
        if self.src[after : after + 1] == b";":
            end = after + 1
        line_start = self.src.rfind(b"\n", 0, start) + 1
        line_end = self.src.find(b"\n", end)
        line_end = len(self.src) if line_end < 0 else line_end
        if not self.src[line_start:start].strip() and not self.src[end:line_end].strip():
            return line_start, min(line_end + 1, len(self.src))
        return start, end

    def include_edits(self, headers) -> list[Edit]:
        missing = [h for h in headers if f"#include <{h}>".encode() not in self.src]
        if not missing:
            return []
        last = max(m.end() for m in re.finditer(rb"^#include .*\n", self.src, re.MULTILINE))
        return [Edit(last, last, "".join(f"#include <{h}>\n" for h in missing))]

    def add(self, operator: str, edits: list[Edit], headers=()):
        """Records the mutant the edits make (the first edit gives the line), unless an earlier
        operator made the same file already."""
        line = self.src.count(b"\n", 0, edits[0].start) + 1
        all_edits = sorted(edits + self.include_edits(headers), key=lambda e: e.start)
        for before, after in zip(all_edits, all_edits[1:]):
            if before.end > after.start:
                return
        mutated = self.src
        for edit in reversed(all_edits):
            mutated = mutated[: edit.start] + edit.text.encode() + mutated[edit.end :]
        if mutated in self.seen:
            return
        self.seen.add(mutated)
        digest = hashlib.sha256(operator.encode())
        for edit in edits:
            digest.update(b"\0" + self.src[edit.start : edit.end] + b"\0" + edit.text.encode())
        mutant_id = f"{operator}-L{line}-{digest.hexdigest()[:6]}"
        if mutant_id in self.ids:
            # The same edit elsewhere on the line (a second 0 made 1): the column tells them apart.
            column = edits[0].start - (self.src.rfind(b"\n", 0, edits[0].start) + 1) + 1
            mutant_id += f"-c{column}"
        self.ids.add(mutant_id)
        self.mutants.append(Mutant(mutant_id, operator, line, mutated.decode()))

    # --- AST helpers ------------------------------------------------------------------

    def cursors(self):
        def walk(cursor):
            for child in cursor.get_children():
                if child.location.file and os.path.abspath(child.location.file.name) == self.path:
                    yield child
                    yield from walk(child)

        return list(walk(self.unit.cursor))

    @staticmethod
    def owner(cursor) -> str:
        """The class a called function belongs to ('' if none)."""
        ref = cursor.referenced
        return ref.semantic_parent.spelling if ref and ref.semantic_parent else ""

    def object_text(self, call, args) -> str:
        """`a.b` of a member call `a.b.f(args)`."""
        start = call.extent.start.offset
        callee_end = args[0].extent.start.offset if args else call.extent.end.offset
        callee = self.text(start, callee_end).rstrip().rstrip("(").rstrip()
        return re.sub(r"\s*(\.|->)\s*\w+$", "", callee)

    def name_token_edit(self, call, old: str, new: str):
        for token in call.get_tokens():
            if token.spelling == old:
                return Edit(token.extent.start.offset, token.extent.end.offset, new)
        return None

    # --- operators --------------------------------------------------------------------

    def run(self) -> list[Mutant]:
        cursors = self.cursors()
        kinds = cindex.CursorKind
        blocks = [c for c in cursors if c.kind == kinds.COMPOUND_STMT]
        calls = [c for c in cursors if c.kind == kinds.CALL_EXPR]
        self.locks(blocks)
        self.notifies(blocks, calls)
        self.waits(calls)
        self.joins(blocks, calls)
        self.threads(calls)
        self.classic(cursors, blocks, calls)
        return self.mutants

    def is_lock(self, statement) -> bool:
        if statement.kind != cindex.CursorKind.DECL_STMT:
            return False
        return any(LOCK_TYPE.search(c.type.spelling) for c in statement.get_children())

    def member_call_statement(self, statement, names, classes) -> bool:
        """The statement is `x.name();` with name in names, of a class in classes."""
        if statement.kind != cindex.CursorKind.CALL_EXPR:
            return False
        return statement.spelling in names and self.owner(statement) in classes

    def locks(self, blocks):
        for block in blocks:
            statements = list(block.get_children())
            for i, statement in enumerate(statements):
                if not self.is_lock(statement):
                    continue
                start, end = self.statement_span(statement)
                self.add("remove_lock", [Edit(start, end, "")])
                if i + 1 < len(statements):
                    self.swap("shrink_lock", statement, statements[i + 1])

    def swap(self, operator, first, second):
        a_start, a_end = self.statement_span(first)
        b_start, b_end = self.statement_span(second)
        if a_end > b_start:
            return
        self.add(
            operator,
            [
                Edit(a_start, a_end, self.text(b_start, b_end)),
                Edit(b_start, b_end, self.text(a_start, a_end)),
            ],
        )

    def notifies(self, blocks, calls):
        names = ("notify_one", "notify_all")
        for block in blocks:
            statements = list(block.get_children())
            for i, statement in enumerate(statements):
                if self.member_call_statement(statement, names, CONDITION_VARIABLES):
                    start, end = self.statement_span(statement)
                    self.add("remove_notify", [Edit(start, end, "")])
                    if i > 0:
                        self.swap("move_notify", statements[i - 1], statement)
        for call in calls:
            if call.spelling == "notify_all" and self.owner(call) in CONDITION_VARIABLES:
                edit = self.name_token_edit(call, "notify_all", "notify_one")
                if edit:
                    self.add("notify_all_to_one", [edit])

    def waits(self, calls):
        for call in calls:
            if call.spelling not in ("wait", "wait_for", "wait_until"):
                continue
            if self.owner(call) not in CONDITION_VARIABLES:
                continue
            args = list(call.get_arguments())
            texts = [self.cursor_text(a) for a in args]
            timed = call.spelling != "wait"
            with_stop = len(args) == (4 if timed else 3)
            if len(args) != (3 if timed else 2) + with_stop:
                continue  # no predicate: nothing these operators change
            obj = self.object_text(call, args)
            lock, predicate = texts[0], f"({texts[-1]})()"
            stop = texts[1] if with_stop else None
            span = self.extent(call)
            edit = lambda text: [Edit(*span, text)]  # noqa: E731
            headers = ("chrono", "thread")
            keep_waiting = f"!{stop}.stop_requested() && !{predicate}" if stop else f"!{predicate}"
            relock = f"{lock}.unlock(); {SLEEP}; {lock}.lock();"
            if not timed:
                self.add("wait_no_predicate", edit(f"{obj}.wait({lock})"))
                poll = f"[&] {{ while ({keep_waiting}) {{ {relock} }} return {predicate}; }}()"
                self.add("wait_polls", edit(poll), headers)
                continue
            time = texts[-2]
            sleep = "sleep_for" if call.spelling == "wait_for" else "sleep_until"
            if with_stop:
                self.add(
                    "wait_ignores_stop", edit(f"{obj}.{call.spelling}({lock}, {time}, {texts[-1]})")
                )
            else:
                self.add(
                    "wait_no_predicate",
                    edit(f"({obj}.{call.spelling}({lock}, {time}), {predicate})"),
                )
            self.add(
                "wait_to_sleep",
                edit(
                    f"({lock}.unlock(), std::this_thread::{sleep}({time}), {lock}.lock(), {predicate})"
                ),
                headers,
            )
            deadline = (
                f"std::chrono::steady_clock::now() + {time}"
                if call.spelling == "wait_for"
                else time
            )
            poll = (
                f"[&] {{ for (const auto until = {deadline}; {keep_waiting};) {{ "
                f"if (std::chrono::steady_clock::now() >= until) return {predicate}; {relock} }} "
                f"return {predicate}; }}()"
            )
            self.add("wait_polls", edit(poll), headers)

    def joins(self, blocks, calls):
        for call in calls:
            if call.spelling == "join" and self.owner(call) in THREAD_CLASSES:
                edit = self.name_token_edit(call, "join", "detach")
                if edit:
                    self.add("join_to_detach", [edit])
        for statement, loop_body in self.statements(blocks):
            if self.member_call_statement(statement, ("join",), THREAD_CLASSES):
                self.delete(statement, loop_body, "remove_join")

    def statements(self, blocks):
        """(statement, is a loop body) for every statement of a block and every loop body
        that is not a block."""
        loops = (
            cindex.CursorKind.FOR_STMT,
            cindex.CursorKind.CXX_FOR_RANGE_STMT,
            cindex.CursorKind.WHILE_STMT,
        )
        for block in blocks:
            for statement in block.get_children():
                yield statement, False
                if statement.kind in loops:
                    body = list(statement.get_children())[-1]
                    if body.kind != cindex.CursorKind.COMPOUND_STMT:
                        yield body, True

    def delete(self, statement, loop_body, operator):
        """Deletes a statement; a loop body that is not a block becomes {}."""
        start, end = self.statement_span(statement)
        self.add(operator, [Edit(start, end, "{}" if loop_body else "")])

    def threads(self, calls):
        kinds = cindex.CursorKind
        for call in calls:
            ref = call.referenced
            args = list(call.get_arguments())
            if not args:
                continue
            constructs = (
                ref is not None
                and ref.kind == kinds.CONSTRUCTOR
                and self.owner(call) in THREAD_CLASSES
            )
            children = list(call.get_children())
            object_type = ""
            if children and children[0].kind == kinds.MEMBER_REF_EXPR:
                inner = list(children[0].get_children())
                object_type = inner[0].type.spelling if inner else ""
            emplaces = call.spelling in ("emplace_back", "emplace") and re.search(
                r"\bj?thread>", object_type
            )
            if constructs or emplaces:
                start, end = args[0].extent.start.offset, args[-1].extent.end.offset
                inline = f"(std::invoke({self.text(start, end)}), [] {{}})"
                self.add("thread_inline", [Edit(start, end, inline)], ("functional",))
        for call in calls:
            if call.spelling == "operator()" and self.owner(call) == "function":
                text = self.cursor_text(call)
                new_thread = f"std::async(std::launch::async, [&] {{ return {text}; }}).get()"
                self.add("task_on_new_thread", [Edit(*self.extent(call), new_thread)], ("future",))

    def classic(self, cursors, blocks, calls):
        kinds = cindex.CursorKind
        for cursor in cursors:
            if cursor.kind == kinds.BINARY_OPERATOR:
                lhs = next(iter(cursor.get_children()), None)
                for token in cursor.get_tokens():
                    if lhs is not None and token.extent.start.offset >= lhs.extent.end.offset:
                        if token.spelling in RELATIONAL:
                            start, end = token.extent.start.offset, token.extent.end.offset
                            self.add("relational", [Edit(start, end, RELATIONAL[token.spelling])])
                        break
            elif cursor.kind == kinds.UNARY_OPERATOR:
                tokens = list(cursor.get_tokens())
                if tokens and tokens[0].spelling == "!":
                    start = tokens[0].extent.start.offset
                    self.add("negate", [Edit(start, tokens[0].extent.end.offset, "")])
            elif cursor.kind == kinds.INTEGER_LITERAL:
                tokens = list(cursor.get_tokens())
                if len(tokens) != 1 or not re.fullmatch(r"\d+", tokens[0].spelling):
                    continue
                value = int(tokens[0].spelling)
                for changed in (value + 1, value - 1):
                    if changed >= 0:
                        self.add("constant", [Edit(*self.extent(cursor), str(changed))])
            elif cursor.kind == kinds.CXX_BOOL_LITERAL_EXPR:
                flipped = "false" if self.cursor_text(cursor) == "true" else "true"
                self.add("constant", [Edit(*self.extent(cursor), flipped)])
            elif cursor.kind == kinds.RETURN_STMT:
                value = next(iter(cursor.get_children()), None)
                if value is None or self.cursor_text(value) == "{}":
                    continue
                span = self.extent(value)
                self.add("return_value", [Edit(*span, "{}")])
                # A bool literal is flipped by `constant`, a negation undone by `negate`.
                plain = value.kind != kinds.CXX_BOOL_LITERAL_EXPR
                plain = plain and not self.cursor_text(value).startswith("!")
                if value.type.spelling == "bool" and plain:
                    self.add("return_value", [Edit(*span, f"!({self.cursor_text(value)})")])
        skipped = (kinds.DECL_STMT, kinds.RETURN_STMT, kinds.NULL_STMT)
        for statement, loop_body in self.statements(blocks):
            if statement.kind not in skipped:
                self.delete(statement, loop_body, "delete_statement")
        for block in blocks:
            statements = list(block.get_children())
            for first, second in zip(statements, statements[1:]):
                if first.kind != kinds.DECL_STMT and second.kind != kinds.DECL_STMT:
                    self.swap("swap_statements", first, second)
        for call in calls:
            args = list(call.get_arguments())
            if call.spelling == "move" and self.owner(call) == "std" and len(args) == 1:
                self.add("drop_move", [Edit(*self.extent(call), self.cursor_text(args[0]))])


def generate(path: str, root: str) -> list[Mutant]:
    """Every mutant of the C++ file at `path` (its includes resolved from `root`)."""
    return _Generator(path, root).run()
