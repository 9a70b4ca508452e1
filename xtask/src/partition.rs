//! Splits the generated schemas into the `lusid-models-part-*` crates along
//! the schema dependency graph, so that no single rustc process compiles
//! all 2000 of them (its memory was the peak of a `full` build) and cargo
//! can build the parts in parallel, pipelined.
//!
//! A schema depends on every type its generated file names as
//! `crate::Name` (fields, family members, parents in the docs). Schemas
//! that depend on each other (a strongly connected component) must share a
//! crate; the components are ordered by depth (a component comes after
//! everything it depends on) and cut into [`PARTS`] consecutive runs of
//! about equal generated size. A part then depends only on earlier parts.
//!
//! The hand-written conveniences (`convenience.rs`) add inherent methods to
//! [`CONVENIENCE_TYPES`], which must therefore be defined in the crate that
//! holds `convenience.rs`: the partition keeps them in one component.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, bail};

/// How many generated part crates the schemas are split into.
pub const PARTS: usize = 4;

/// The types `convenience.rs` implements methods on.
pub const CONVENIENCE_TYPES: &[&str] = &["InstrumentDefinition", "PropertyValue", "Property"];

/// One schema's generated file, before partitioning.
pub struct SchemaFile {
    /// The module name (file stem).
    pub module: String,
    /// The unformatted source.
    pub contents: String,
}

/// The outcome: each schema's part, and each part's direct dependencies.
pub struct Partition {
    /// The part index (0-based) of each schema file, in input order.
    pub part_of: Vec<usize>,
    /// The earlier parts each part refers to, by index.
    pub depends_on: Vec<BTreeSet<usize>>,
    /// The part holding [`CONVENIENCE_TYPES`].
    pub convenience_part: usize,
}

/// The type names a file defines (`pub struct X`, `pub enum X`).
fn defined_names(contents: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in contents.lines() {
        let line = line.trim_start();
        for prefix in ["pub struct ", "pub enum "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// The type names a file refers to as `crate::Name`.
fn referenced_names(contents: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut rest = contents;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..end];
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            names.insert(name);
        }
        rest = &after[end..];
    }
    names
}

/// Tarjan's strongly connected components; each node's component index.
/// Components are numbered so that a component's successors come first.
fn components(edges: &[BTreeSet<usize>]) -> Vec<usize> {
    struct State<'a> {
        edges: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        component: Vec<usize>,
        count: usize,
    }
    fn visit(state: &mut State<'_>, node: usize) {
        state.index[node] = Some(state.next);
        state.low[node] = state.next;
        state.next += 1;
        state.stack.push(node);
        state.on_stack[node] = true;
        for &next in state.edges[node].iter() {
            match state.index[next] {
                None => {
                    visit(state, next);
                    state.low[node] = state.low[node].min(state.low[next]);
                }
                Some(index) if state.on_stack[next] => {
                    state.low[node] = state.low[node].min(index);
                }
                Some(_) => {}
            }
        }
        if Some(state.low[node]) == state.index[node] {
            while let Some(member) = state.stack.pop() {
                state.on_stack[member] = false;
                state.component[member] = state.count;
                if member == node {
                    break;
                }
            }
            state.count += 1;
        }
    }
    let nodes = edges.len();
    let mut state = State {
        edges,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        next: 0,
        component: vec![0; nodes],
        count: 0,
    };
    for node in 0..nodes {
        if state.index[node].is_none() {
            visit(&mut state, node);
        }
    }
    state.component
}

/// Partitions the schema files into [`PARTS`] crates.
///
/// # Errors
/// When a convenience type is not generated, or a file names a type no
/// file defines (a generator bug).
pub fn partition(files: &[SchemaFile], core_names: &[&str]) -> Result<Partition> {
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (index, file) in files.iter().enumerate() {
        for name in defined_names(&file.contents) {
            owner.insert(name, index);
        }
    }
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); files.len()];
    for (index, file) in files.iter().enumerate() {
        for name in referenced_names(&file.contents) {
            match owner.get(name) {
                Some(&target) if target != index => {
                    edges[index].insert(target);
                }
                Some(_) => {}
                None if core_names.contains(&name) => {}
                None => bail!(
                    "{}.rs refers to crate::{name}, which no generated file defines",
                    file.module
                ),
            }
        }
    }
    // The convenience types form a cycle, so they land in one component
    // (with everything on a path between them).
    let mut convenience = Vec::new();
    for name in CONVENIENCE_TYPES {
        let Some(&index) = owner.get(*name) else {
            bail!("convenience.rs implements {name}, which is not generated");
        };
        convenience.push(index);
    }
    for pair in convenience.windows(2) {
        edges[pair[0]].insert(pair[1]);
    }
    if let (Some(&last), Some(&first)) = (convenience.last(), convenience.first()) {
        edges[last].insert(first);
    }

    let component = components(&edges);
    let count = component.iter().copied().max().map_or(0, |max| max + 1);
    let mut size = vec![0usize; count];
    let mut first_module: Vec<Option<&str>> = vec![None; count];
    let mut component_edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); count];
    for (index, file) in files.iter().enumerate() {
        let own = component[index];
        size[own] += file.contents.len();
        let module = file.module.as_str();
        if first_module[own].is_none_or(|first| module < first) {
            first_module[own] = Some(module);
        }
        for &target in &edges[index] {
            if component[target] != own {
                component_edges[own].insert(component[target]);
            }
        }
    }
    // Tarjan numbers successors first, so depths fill in ascending order.
    let mut depth = vec![0usize; count];
    for own in 0..count {
        depth[own] = component_edges[own]
            .iter()
            .map(|&target| depth[target] + 1)
            .max()
            .unwrap_or(0);
    }
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&own| (depth[own], first_module[own]));

    let total: usize = size.iter().sum();
    let mut part_of_component = vec![0usize; count];
    let mut before = 0usize;
    for &own in &order {
        let middle = before + size[own] / 2;
        part_of_component[own] = (middle * PARTS / total.max(1)).min(PARTS - 1);
        before += size[own];
    }
    // Consecutive runs in depth order: a component's dependencies have a
    // smaller depth, so they sit in the same or an earlier part.
    let part_of: Vec<usize> = component
        .iter()
        .map(|&own| part_of_component[own])
        .collect();
    let mut depends_on = vec![BTreeSet::new(); PARTS];
    for (index, targets) in edges.iter().enumerate() {
        for &target in targets {
            let (from, to) = (part_of[index], part_of[target]);
            if from != to {
                if to > from {
                    bail!(
                        "partition bug: {}.rs (part {from}) depends on {}.rs (part {to})",
                        files[index].module,
                        files[target].module
                    );
                }
                depends_on[from].insert(to);
            }
        }
    }
    let convenience_part = part_of[convenience[0]];
    Ok(Partition {
        part_of,
        depends_on,
        convenience_part,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(module: &str, contents: &str) -> SchemaFile {
        SchemaFile {
            module: module.to_owned(),
            contents: contents.to_owned(),
        }
    }

    #[test]
    fn cycles_share_a_part_and_parts_depend_only_on_earlier_ones() {
        let mut files = vec![
            file("a", "pub struct A { b: crate::B }"),
            file("b", "pub struct B { a: Box<crate::A>, n: crate::Number }"),
            file("c", "pub struct C { a: crate::A }"),
            file("d", "pub struct D { c: crate::C }"),
            file("instrument_definition", "pub struct InstrumentDefinition;"),
            file("property_value", "pub struct PropertyValue;"),
            file("property", "pub struct Property { v: crate::PropertyValue }"),
        ];
        for index in 0..20 {
            files.push(file(&format!("x{index}"), "pub struct Filler;"));
        }
        let partition = partition(&files, &["Number"]).expect("partition");
        assert_eq!(partition.part_of[0], partition.part_of[1]);
        assert!(partition.part_of[2] >= partition.part_of[0]);
        assert!(partition.part_of[3] >= partition.part_of[2]);
        assert_eq!(partition.part_of[4], partition.part_of[5]);
        assert_eq!(partition.part_of[5], partition.part_of[6]);
        assert_eq!(partition.convenience_part, partition.part_of[4]);
        for (part, deps) in partition.depends_on.iter().enumerate() {
            assert!(deps.iter().all(|&dep| dep < part));
        }
    }

    #[test]
    fn an_unknown_reference_is_an_error() {
        let files = vec![
            file("a", "pub struct A { b: crate::Missing }"),
            file("instrument_definition", "pub struct InstrumentDefinition;"),
            file("property_value", "pub struct PropertyValue;"),
            file("property", "pub struct Property;"),
        ];
        let error = partition(&files, &[]).err().expect("an error");
        assert!(error.to_string().contains("crate::Missing"), "{error}");
    }
}
