import HangarCore
import Testing

@Suite("Workflow definitions: reading and validating a draft")
struct WorkflowValidationTests {
    /// Seed 004's "Create Your First Workflow" body, as sent.
    static let seed: [String: JSONValue] = [
        "name": "Data Processing Pipeline",
        "description": "Automated data cleaning and analysis",
        "steps": [
            "validate_data": [
                "id": "validate_data", "name": "Validate Input Data", "type": "data_validation",
                "config": ["required_fields": ["name", "email", "data"]],
            ],
            "clean_data": [
                "id": "clean_data", "name": "Clean Data", "type": "data_cleaning",
                "config": ["remove_duplicates": true, "fill_missing": true], "dependencies": ["validate_data"],
            ],
            "analyze_data": [
                "id": "analyze_data", "name": "Analyze Data", "type": "ai_processing",
                "config": ["model": "llama2", "analysis_type": "sentiment"], "dependencies": ["clean_data"],
            ],
        ],
        "priority": "normal",
        "max_execution_time": 1800,
    ]

    /// The message a body with `steps` (and the other fields of `extra`) is refused with.
    static func refusal(steps: JSONValue? = nil, _ extra: [String: JSONValue] = [:]) -> String? {
        var fields: [String: JSONValue] = ["name": "w", "steps": steps ?? seed["steps"]!]
        for (key, value) in extra { fields[key] = value }
        do {
            _ = try WorkflowDraft.read(fields)
            return nil
        } catch let error as HangarError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    /// A `condition` step reading `field` and waiting for `validate_data`, beside the seed's steps.
    static func withCondition(_ config: JSONValue, dependencies: JSONValue = ["validate_data"]) -> JSONValue {
        var steps = seed["steps"]!.objectValue!
        steps["check"] = ["id": "check", "name": "Check", "type": "condition", "config": config, "dependencies": dependencies]
        return .object(steps)
    }

    static func with(_ key: String, _ step: JSONValue) -> JSONValue {
        var steps = seed["steps"]!.objectValue!
        steps[key] = step
        return .object(steps)
    }

    @Test("the seed's body reads as it is: steps ordered by id, dependencies kept, defaults filled")
    func seedBody() throws {
        let draft = try WorkflowDraft.read(Self.seed)
        #expect(draft.name == "Data Processing Pipeline" && draft.description == "Automated data cleaning and analysis")
        #expect(draft.steps.map(\.id) == ["analyze_data", "clean_data", "validate_data"])
        #expect(draft.steps.map(\.dependencies) == [["clean_data"], ["validate_data"], []])
        #expect(draft.steps[2].config == ["required_fields": ["name", "email", "data"]] && draft.steps[2].type == "data_validation")
        #expect(draft.priority == .normal && draft.maxExecutionTime == 1800 && draft.agentReferences.isEmpty)

        let minimal = try WorkflowDraft.read(["name": " w ", "steps": ["a": ["type": "wait", "config": ["seconds": 5]]]])
        #expect(minimal.name == "w" && minimal.steps == [WorkflowStep(id: "a", name: "a", type: "wait", config: ["seconds": 5])])
        #expect(minimal.priority == .normal && minimal.maxExecutionTime == WorkflowDefinition.defaultMaxExecutionTime)
    }

    @Test("an update keeps the fields it does not name and checks the result like a create")
    func update() throws {
        let current = try WorkflowDraft.read(Self.seed)
        let renamed = try WorkflowDraft.read(["name": "renamed", "priority": "critical", "description": nil], over: current)
        #expect(renamed.name == "renamed" && renamed.priority == .critical && renamed.description == nil)
        #expect(renamed.steps == current.steps && renamed.maxExecutionTime == 1800)
        let reset = try WorkflowDraft.read(["max_execution_time": nil, "priority": nil], over: renamed)
        #expect(reset.maxExecutionTime == 3600 && reset.priority == .normal && reset.name == "renamed")
        #expect(throws: HangarError.invalid(field: "steps.a.dependencies[0]", message: "unknown step 'z'; the steps are: a")) {
            _ = try WorkflowDraft.read(["steps": ["a": ["type": "x", "dependencies": ["z"]]]], over: current)
        }
    }

    @Test("agent steps: agent_id and input are read; the references are listed for the store to check")
    func agentSteps() throws {
        let draft = try WorkflowDraft.read([
            "name": "w",
            "steps": [
                "write": ["type": "llm", "agent_id": "writer", "input": ["prompt": "draft it"]],
                "review": ["type": "llm", "agent_id": "reviewer", "dependencies": ["write"]],
            ],
        ])
        #expect(draft.steps[1] == WorkflowStep(id: "write", name: "write", type: "llm", agentID: "writer", input: ["prompt": "draft it"]))
        #expect(draft.agentReferences.map(\.field) == ["steps.review.agent_id", "steps.write.agent_id"])
        #expect(draft.agentReferences.map(\.agent) == ["reviewer", "writer"])
    }

    /// Each bad definition and the exact detail it is refused with.
    static let refusals: [(String, @Sendable () -> String?, String)] = [
        ("no name", { refusal(["name": nil]) }, "name: is required: a string of 1-128 characters"),
        ("blank name", { refusal(["name": "   "]) }, "name: is required: a string of 1-128 characters"),
        ("description not a string", { refusal(["description": 5]) }, "description: must be a string of at most 4000 bytes"),
        ("no steps", { refusal(["steps": nil]) }, "steps: is required: an object of step id → step"),
        ("steps as an array", { refusal(steps: [["id": "a", "type": "x"]]) }, "steps: is required: an object of step id → step"),
        ("empty steps", { refusal(steps: [:]) }, "steps: must hold 1 to 100 steps"),
        ("bad priority", { refusal(["priority": "urgent"]) }, "priority: must be one of low, normal, high, critical"),
        ("numeric priority", { refusal(["priority": 5]) }, "priority: must be one of low, normal, high, critical"),
        ("zero max_execution_time", { refusal(["max_execution_time": 0]) },
            "max_execution_time: must be a whole number of seconds from 1 to 604800"),
        ("negative max_execution_time", { refusal(["max_execution_time": -30]) },
            "max_execution_time: must be a whole number of seconds from 1 to 604800"),
        ("fractional max_execution_time", { refusal(["max_execution_time": 1.5]) },
            "max_execution_time: must be a whole number of seconds from 1 to 604800"),
        ("string max_execution_time", { refusal(["max_execution_time": "1800"]) },
            "max_execution_time: must be a whole number of seconds from 1 to 604800"),
        ("step id with a dot", { refusal(steps: ["a.b": ["type": "x"]]) }, "steps.a.b: a step id is 1-64 letters, digits, '_' or '-'"),
        ("step not an object", { refusal(steps: ["a": "x"]) },
            #"steps.a: must be an object: {"id", "name", "type", "config", "dependencies"}"#),
        ("map key ≠ step id", { refusal(steps: with("clean", ["id": "cleaning", "type": "x"])) }, "steps.clean.id: must equal the step's key 'clean'"),
        ("unknown step field", { refusal(steps: with("x", ["type": "x", "retries": 3])) },
            "steps.x.retries: is not a field of a step; it accepts: agent_id, config, dependencies, id, input, name, type"),
        ("no type", { refusal(steps: with("x", ["name": "X"])) },
            "steps.x.type: is required: a built-in kind (condition, approval, wait, webhook) or the type of an agent step"),
        ("config not an object", { refusal(steps: with("x", ["type": "x", "config": [1]])) }, "steps.x.config: must be an object"),
        ("dependencies not an array", { refusal(steps: with("x", ["type": "x", "dependencies": "validate_data"])) },
            "steps.x.dependencies: must be an array of step ids"),
        ("dependency not a string", { refusal(steps: with("x", ["type": "x", "dependencies": [1]])) },
            "steps.x.dependencies[0]: must be a step id (a string)"),
        ("unknown dependency", { refusal(steps: with("report", ["type": "x", "dependencies": ["clean_data", "validate"]])) },
            "steps.report.dependencies[1]: unknown step 'validate'; the steps are: analyze_data, clean_data, report, validate_data"),
        ("depends on itself", { refusal(steps: with("x", ["type": "x", "dependencies": ["x"]])) }, "steps.x.dependencies[0]: a step cannot depend on itself"),
        ("dependency listed twice", { refusal(steps: with("x", ["type": "x", "dependencies": ["clean_data", "clean_data"]])) },
            "steps.x.dependencies[1]: 'clean_data' is listed twice"),
        ("two-step cycle", { refusal(steps: ["b": ["type": "x", "dependencies": ["a"]], "a": ["type": "x", "dependencies": ["b"]]]) },
            "steps.a.dependencies: dependency cycle: a → b → a (each step waits for the next)"),
        ("cycle behind an entry step", {
            refusal(steps: [
                "start": ["type": "x"], "p": ["type": "x", "dependencies": ["start", "r"]], "q": ["type": "x", "dependencies": ["p"]],
                "r": ["type": "x", "dependencies": ["q"]], "end": ["type": "x", "dependencies": ["r"]],
            ])
        }, "steps.p.dependencies: dependency cycle: p → r → q → p (each step waits for the next)"),
        ("agent_id not a string", { refusal(steps: with("x", ["type": "llm", "agent_id": 7])) },
            "steps.x.agent_id: must be an agent's id or name (1-128 characters)"),
        ("input not an object", { refusal(steps: with("x", ["type": "llm", "agent_id": "w", "input": "hi"])) },
            "steps.x.input: must be an object (the task input)"),
        ("agent_id on a built-in step", { refusal(steps: with("x", ["type": "wait", "agent_id": "w", "config": ["seconds": 1]])) },
            "steps.x.agent_id: only agent steps take it, not a 'wait' step"),
        ("condition without field", { refusal(steps: withCondition(["operator": "exists"])) },
            #"steps.check.config.field: is required: the value to test, e.g. "validate_data.output.count" or "parameters.source""#),
        ("condition without operator", { refusal(steps: withCondition(["field": "validate_data.output.count", "value": 1])) },
            "steps.check.config.operator: is required: one of equals, not_equals, greater_than, less_than, greater_or_equal, less_or_equal, contains, not_contains, exists, not_exists"),
        ("condition with an unknown operator", { refusal(steps: withCondition(["field": "validate_data.output.count", "operator": "gt", "value": 1])) },
            "steps.check.config.operator: unknown operator 'gt'; one of equals, not_equals, greater_than, less_than, greater_or_equal, less_or_equal, contains, not_contains, exists, not_exists"),
        ("comparison without value", { refusal(steps: withCondition(["field": "validate_data.output.count", "operator": "greater_than"])) },
            "steps.check.config.value: is required by 'greater_than'"),
        ("comparison with a string", { refusal(steps: withCondition(["field": "validate_data.output.count", "operator": "less_than", "value": "10"])) },
            "steps.check.config.value: 'less_than' compares numbers: must be a number"),
        ("exists with a value", { refusal(steps: withCondition(["field": "validate_data.output", "operator": "exists", "value": true])) },
            "steps.check.config.value: 'exists' takes no value"),
        ("contains an object", { refusal(steps: withCondition(["field": "validate_data.output", "operator": "contains", "value": ["a": 1]])) },
            "steps.check.config.value: 'contains' looks for a string, number or boolean"),
        ("condition with an unknown config field", {
            refusal(steps: withCondition(["field": "validate_data.output", "operator": "exists", "then": ["clean_data"]]))
        }, "steps.check.config.then: is not a field of a 'condition' step's config; it accepts: field, operator, value"),
        ("condition on an unknown step", { refusal(steps: withCondition(["field": "nothing.output", "operator": "exists"])) },
            "steps.check.config.field: 'nothing.output' starts with neither 'parameters' nor a step id ('nothing' is no step of this workflow)"),
        ("condition on a step it does not wait for", { refusal(steps: withCondition(["field": "analyze_data.output.score", "operator": "exists"])) },
            "steps.check.config.field: reads step 'analyze_data', which step 'check' does not wait for; add it to the dependencies"),
        ("wait without seconds", { refusal(steps: with("x", ["type": "wait"])) }, "steps.x.config.seconds: is required: a whole number of seconds"),
        ("wait of zero seconds", { refusal(steps: with("x", ["type": "wait", "config": ["seconds": 0]])) },
            "steps.x.config.seconds: must be a whole number of seconds from 1 to 604800"),
        ("approval with a negative timeout", { refusal(steps: with("x", ["type": "approval", "config": ["timeout_seconds": -1]])) },
            "steps.x.config.timeout_seconds: must be a whole number of seconds from 1 to 604800"),
        ("approval message not a string", { refusal(steps: with("x", ["type": "approval", "config": ["message": 1]])) },
            "steps.x.config.message: must be a string"),
        ("webhook without url", { refusal(steps: with("x", ["type": "webhook"])) }, "steps.x.config.url: is required: an http or https URL"),
        ("webhook to ftp", { refusal(steps: with("x", ["type": "webhook", "config": ["url": "ftp://example.com/x"]])) },
            "steps.x.config.url: is required: an http or https URL"),
        ("webhook with a bad method", { refusal(steps: with("x", ["type": "webhook", "config": ["url": "https://example.com", "method": "SEND"]])) },
            "steps.x.config.method: must be one of GET, POST, PUT, PATCH, DELETE"),
        ("webhook headers not strings", { refusal(steps: with("x", ["type": "webhook", "config": ["url": "https://example.com", "headers": ["X-A": 1]]])) },
            "steps.x.config.headers: must be an object of header name → string"),
    ]

    @Test("bad definitions are refused naming the step and field", arguments: 0..<refusals.count)
    func refused(_ index: Int) {
        let (name, attempt, expected) = Self.refusals[index]
        #expect(attempt() == expected, "\(name)")
    }

    @Test("good shapes of each built-in kind pass")
    func builtIns() throws {
        let steps: JSONValue = [
            "fetch": ["type": "llm"],
            "big": ["type": "condition", "config": ["field": "fetch.output.count", "operator": "greater_or_equal", "value": 10], "dependencies": ["fetch"]],
            "has": ["type": "condition", "config": ["field": "parameters.source", "operator": "exists"]],
            "word": ["type": "condition", "config": ["field": "fetch.output.text", "operator": "contains", "value": "urgent"], "dependencies": ["big"]],
            "same": ["type": "condition", "config": ["field": "parameters.mode", "operator": "equals", "value": ["a": 1]]],
            "ok": ["type": "approval", "config": ["message": "Ship it?", "timeout_seconds": 600], "dependencies": ["word"]],
            "pause": ["type": "wait", "config": ["seconds": 30], "dependencies": ["ok"]],
            "tell": ["type": "webhook", "config": ["url": "https://example.com/hook", "method": "POST", "headers": ["X-A": "b"], "body": ["done": true]], "dependencies": ["pause"]],
        ]
        let draft = try WorkflowDraft.read(["name": "all kinds", "steps": steps])
        #expect(draft.steps.count == 8)
        #expect(draft.steps.compactMap(\.kind).count == 7)
    }

    @Test("a programmatic list with a repeated id is refused")
    func duplicateIDs() {
        #expect(throws: HangarError.invalid(field: "steps.a.id", message: "two steps have the id 'a'")) {
            try WorkflowValidation.check([WorkflowStep(id: "a", name: "a", type: "x"), WorkflowStep(id: "a", name: "b", type: "y")])
        }
    }
}
