//! Constraint violations rendered as AWS's request validator renders them.

use crate::AwsError;

/// Violations collected while validating one request.
#[derive(Debug, Default)]
pub struct Violations {
    messages: Vec<String>,
    /// Paths already reported as null: a decoder that fills an absent required member with its
    /// default (the query protocol's) must not have that default reported again.
    nulls: Vec<String>,
}

/// `a.b` member paths as AWS writes them (`keySchema.1.member.attributeName`).
pub fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_string()
    } else {
        format!("{path}.{member}")
    }
}

impl Violations {
    pub fn fail(&mut self, path: &str, value: &str, constraint: &str) {
        let under_null = self.nulls.iter().any(|n| {
            path.strip_prefix(n.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        });
        if under_null {
            return;
        }
        self.messages.push(format!(
            "Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member that is absent (a missing query parameter or header).
    pub fn fail_null(&mut self, path: &str) {
        self.messages.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
        self.nulls.push(path.to_string());
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// `Ok` when nothing failed; otherwise the ValidationException AWS sends:
    /// `1 validation error detected: ...` / `2 validation errors detected: ...; ...`.
    pub fn into_result(self) -> Result<(), AwsError> {
        match self.messages.len() {
            0 => Ok(()),
            1 => Err(AwsError::validation(format!(
                "1 validation error detected: {}",
                self.messages[0]
            ))),
            n => Err(AwsError::validation(format!(
                "{n} validation errors detected: {}",
                self.messages.join("; ")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_aws() {
        let mut v = Violations::default();
        v.fail(
            "tableName",
            "ab",
            "Member must have length greater than or equal to 3",
        );
        let e = v.into_result().expect_err("one violation");
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"
        );
    }

    #[test]
    fn a_null_member_is_reported_once() {
        let mut v = Violations::default();
        v.fail_null("actions.1.member.type");
        v.fail(
            "actions.1.member.type",
            "",
            "Member must have length greater than or equal to 1",
        );
        v.fail(
            "actions.1.member.typeName",
            "",
            "Member must have length greater than or equal to 1",
        );
        let e = v.into_result().expect_err("violations");
        assert!(
            e.message
                .starts_with("2 validation errors detected: Value null at 'actions.1.member.type'"),
            "{}",
            e.message
        );
    }
}
