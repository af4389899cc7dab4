//! DescribeLimits and continuous backups (point-in-time recovery settings). nimbus keeps no
//! backups; it records the setting so tools that read and write it (Terraform, CDK) work.

use nimbus_core::RequestContext;
use nimbus_store::Store;

use crate::error::Result;
use crate::generated::dynamodb::*;
use crate::storage::catalog::{load_table, save_table, TableRecord};

pub fn describe_limits(
    _store: &Store,
    _ctx: &RequestContext,
    _input: DescribeLimitsInput,
) -> Result<DescribeLimitsOutput> {
    // AWS's default quotas for a new account.
    Ok(DescribeLimitsOutput {
        account_max_read_capacity_units: Some(80_000),
        account_max_write_capacity_units: Some(80_000),
        table_max_read_capacity_units: Some(40_000),
        table_max_write_capacity_units: Some(40_000),
    })
}

/// These operations name a missing table with TableNotFoundException, per the model.
fn table_not_found(name: &str) -> crate::error::Error {
    ErrorCode::TableNotFoundException
        .error(format!("Table not found: {name}"))
        .into()
}

fn describe(table: &TableRecord) -> ContinuousBackupsDescription {
    let now = nimbus_core::time::now_epoch_seconds();
    ContinuousBackupsDescription {
        continuous_backups_status: "ENABLED".into(),
        point_in_time_recovery_description: Some(if table.point_in_time_recovery {
            PointInTimeRecoveryDescription {
                point_in_time_recovery_status: Some("ENABLED".into()),
                earliest_restorable_date_time: Some(table.created),
                latest_restorable_date_time: Some(now),
                recovery_period_in_days: Some(35),
            }
        } else {
            PointInTimeRecoveryDescription {
                point_in_time_recovery_status: Some("DISABLED".into()),
                ..Default::default()
            }
        }),
    }
}

pub fn describe_continuous_backups(
    store: &Store,
    ctx: &RequestContext,
    input: DescribeContinuousBackupsInput,
) -> Result<DescribeContinuousBackupsOutput> {
    store.read(|r| {
        let table = load_table(r, ctx, &input.table_name)?
            .ok_or_else(|| table_not_found(&input.table_name))?;
        Ok(DescribeContinuousBackupsOutput {
            continuous_backups_description: Some(describe(&table)),
        })
    })
}

pub fn update_continuous_backups(
    store: &Store,
    ctx: &RequestContext,
    input: UpdateContinuousBackupsInput,
) -> Result<UpdateContinuousBackupsOutput> {
    store.write(|w| {
        let mut table = load_table(w.as_read(), ctx, &input.table_name)?
            .ok_or_else(|| table_not_found(&input.table_name))?;
        table.point_in_time_recovery = input
            .point_in_time_recovery_specification
            .point_in_time_recovery_enabled;
        save_table(w, &table)?;
        Ok(UpdateContinuousBackupsOutput {
            continuous_backups_description: Some(describe(&table)),
        })
    })
}
