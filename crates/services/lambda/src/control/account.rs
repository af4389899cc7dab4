//! GetAccountSettings.

use nimbus_core::RequestContext;

use super::Lambda;
use crate::code;
use crate::errors::Result;
use crate::generated::lambda::*;
use crate::storage;

pub async fn settings(lambda: &Lambda, ctx: &RequestContext) -> Result<GetAccountSettingsResponse> {
    let scope = storage::scope(ctx);
    let functions = lambda.store.read(|r| storage::list_functions(r, &scope))?;
    let reserved: i64 = functions
        .iter()
        .filter_map(|f| f.reserved_concurrency)
        .map(i64::from)
        .sum();
    let total_code: i64 = functions
        .iter()
        .filter_map(|f| f.latest.config.code_size)
        .sum();
    let limit = i64::from(lambda.config.account_concurrency);
    Ok(GetAccountSettingsResponse {
        account_limit: Some(AccountLimit {
            total_code_size: Some(80_530_636_800),
            code_size_unzipped: Some(code::MAX_UNZIPPED as i64),
            code_size_zipped: Some(code::MAX_ZIPPED as i64),
            concurrent_executions: Some(limit as i32),
            unreserved_concurrent_executions: Some((limit - reserved).max(0) as i32),
        }),
        account_usage: Some(AccountUsage {
            total_code_size: Some(total_code),
            function_count: Some(functions.len() as i64),
        }),
    })
}
