//! Constraint violations rendered as AWS's request validator renders them.

use crate::AwsError;

/// Violations collected while validating one request.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

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
        self.0.push(format!(
            "Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member that is absent (a missing query parameter or header).
    pub fn fail_null(&mut self, path: &str) {
        self.0.push(format!(
            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
        ));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing failed; otherwise the ValidationException AWS sends:
    /// `1 validation error detected: ...` / `2 validation errors detected: ...; ...`.
    pub fn into_result(self) -> Result<(), AwsError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(AwsError::validation(format!(
                "1 validation error detected: {}",
                self.0[0]
            ))),
            n => Err(AwsError::validation(format!(
                "{n} validation errors detected: {}",
                self.0.join("; ")
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
}
