//! CreateListener, DescribeListeners, ModifyListener, DeleteListener. An Application Load
//! Balancer's listeners speak HTTP or HTTPS, one per port; each has a default rule (its
//! default actions) with an ARN of its own.

use nimbus_core::{Arn, RequestContext};
use nimbus_protocol::{query, AwsError};
use nimbus_store::Read;

use super::{actions, new_id, owner, page, require_listener, require_load_balancer, tag_map};
use crate::generated::elbv2::*;
use crate::service::Elbv2;
use crate::storage::{self, Owner, Result, StoredListener};

const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

fn check_protocol(protocol: &str) -> Result<()> {
    if !matches!(protocol, "HTTP" | "HTTPS") {
        return Err(ErrorCode::UnsupportedProtocolException.error(format!(
            "Listener protocol '{protocol}' is not supported with a load balancer of type 'application'"
        )));
    }
    Ok(())
}

fn duplicate(
    r: &dyn Read,
    o: &Owner,
    lb_name: &str,
    lb_arn: &str,
    port: i32,
    except: Option<&str>,
) -> Result<()> {
    let taken = storage::list_listeners(r, o, lb_name)?
        .iter()
        .any(|l| l.listener.port == Some(port) && l.listener.listener_arn.as_deref() != except);
    if taken {
        return Err(ErrorCode::DuplicateListenerException.error(format!(
            "A listener already exists on this port for this load balancer '{lb_arn}'"
        )));
    }
    Ok(())
}

/// The certificates and security policy an HTTPS listener keeps (an HTTP listener has none).
fn tls(
    protocol: &str,
    certificates: Option<Vec<Certificate>>,
    ssl_policy: Option<String>,
) -> Result<(Option<Vec<Certificate>>, Option<String>)> {
    if protocol != "HTTPS" {
        return Ok((None, None));
    }
    match certificates {
        Some(c) if !c.is_empty() => Ok((
            Some(c),
            Some(ssl_policy.unwrap_or_else(|| DEFAULT_SSL_POLICY.into())),
        )),
        _ => Err(query::validation(
            "A certificate must be specified for HTTPS listeners",
        )),
    }
}

pub fn create(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: CreateListenerInput,
) -> Result<CreateListenerOutput> {
    let o = owner(ctx);
    let protocol = input
        .protocol
        .clone()
        .ok_or_else(|| query::validation("A listener protocol must be specified"))?;
    check_protocol(&protocol)?;
    let port = input
        .port
        .ok_or_else(|| query::validation("A listener port must be specified"))?;
    let (certificates, ssl_policy) = tls(
        &protocol,
        input.certificates.clone(),
        input.ssl_policy.clone(),
    )?;
    let tags = tag_map(input.tags.as_deref().unwrap_or_default())?;
    let listener = svc.store.write(|w| {
        let lb = require_load_balancer(w.as_read(), ctx, &input.load_balancer_arn)?;
        let lb_arn = input.load_balancer_arn.clone();
        let lb_name = lb
            .load_balancer
            .load_balancer_name
            .clone()
            .unwrap_or_default();
        let lb_id = lb_arn.rsplit('/').next().unwrap_or_default().to_string();
        duplicate(w.as_read(), &o, &lb_name, &lb_arn, port, None)?;
        let default_actions =
            actions::normalize(w.as_read(), ctx, &input.default_actions, "defaultActions")?;
        let id = new_id();
        let listener = Listener {
            listener_arn: Some(
                Arn::elbv2_listener(&o.region, &o.account, &lb_name, &lb_id, &id).to_string(),
            ),
            load_balancer_arn: Some(lb_arn),
            port: Some(port),
            protocol: Some(protocol.clone()),
            certificates,
            ssl_policy,
            default_actions: Some(default_actions),
            ..Listener::default()
        };
        let stored = StoredListener {
            default_rule_arn: Arn::elbv2_listener_rule(
                &o.region,
                &o.account,
                &lb_name,
                &lb_id,
                &id,
                &new_id(),
            )
            .to_string(),
            listener,
            tags,
            default_rule_tags: Default::default(),
        };
        storage::put_listener(w, &o, &lb_name, &stored)?;
        Ok::<_, AwsError>(stored.listener)
    })?;
    Ok(CreateListenerOutput {
        listeners: Some(vec![listener]),
    })
}

pub fn describe(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DescribeListenersInput,
) -> Result<DescribeListenersOutput> {
    let o = owner(ctx);
    let arns = input.listener_arns.clone().unwrap_or_default();
    let listeners = svc
        .store
        .read(|r| match (&input.load_balancer_arn, arns.is_empty()) {
            (Some(_), false) => Err(query::validation(
                "Listener ARNs and a load balancer ARN cannot be specified at the same time",
            )),
            (None, true) => Err(query::validation(
                "You must specify either listener ARNs or a load balancer ARN",
            )),
            (Some(lb_arn), true) => {
                let lb = require_load_balancer(r, ctx, lb_arn)?;
                let name = lb.load_balancer.load_balancer_name.unwrap_or_default();
                let mut all: Vec<Listener> = storage::list_listeners(r, &o, &name)?
                    .into_iter()
                    .map(|l| l.listener)
                    .collect();
                all.sort_by_key(|l| l.port);
                Ok(all)
            }
            (None, false) => arns
                .iter()
                .map(|a| require_listener(r, ctx, a).map(|(_, l)| l.listener))
                .collect(),
        })?;
    let key = |l: &Listener| {
        format!(
            "{:05}{}",
            l.port.unwrap_or(0),
            l.listener_arn.as_deref().unwrap_or_default()
        )
    };
    let (listeners, next_marker) = page(listeners, key, input.marker.as_deref(), input.page_size);
    Ok(DescribeListenersOutput {
        listeners: Some(listeners),
        next_marker,
    })
}

pub fn modify(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: ModifyListenerInput,
) -> Result<ModifyListenerOutput> {
    let o = owner(ctx);
    let listener = svc.store.write(|w| {
        let (lb_name, mut stored) = require_listener(w.as_read(), ctx, &input.listener_arn)?;
        let l = &mut stored.listener;
        let lb_arn = l.load_balancer_arn.clone().unwrap_or_default();
        if let Some(port) = input.port {
            duplicate(
                w.as_read(),
                &o,
                &lb_name,
                &lb_arn,
                port,
                Some(&input.listener_arn),
            )?;
            l.port = Some(port);
        }
        let protocol = input
            .protocol
            .clone()
            .or_else(|| l.protocol.clone())
            .unwrap_or_default();
        check_protocol(&protocol)?;
        let certificates = input
            .certificates
            .clone()
            .or_else(|| l.certificates.clone());
        let ssl_policy = input.ssl_policy.clone().or_else(|| l.ssl_policy.clone());
        (l.certificates, l.ssl_policy) = tls(&protocol, certificates, ssl_policy)?;
        l.protocol = Some(protocol);
        if let Some(given) = &input.default_actions {
            l.default_actions = Some(actions::normalize(
                w.as_read(),
                ctx,
                given,
                "defaultActions",
            )?);
        }
        storage::put_listener(w, &o, &lb_name, &stored)?;
        Ok::<_, AwsError>(stored.listener)
    })?;
    Ok(ModifyListenerOutput {
        listeners: Some(vec![listener]),
    })
}

pub fn delete(
    svc: &Elbv2,
    ctx: &RequestContext,
    input: DeleteListenerInput,
) -> Result<DeleteListenerOutput> {
    let o = owner(ctx);
    svc.store.write(|w| {
        let (lb_name, stored) = require_listener(w.as_read(), ctx, &input.listener_arn)?;
        storage::delete_listener(w, &o, &lb_name, &storage::listener_id(&stored.listener))
    })?;
    Ok(DeleteListenerOutput::default())
}
