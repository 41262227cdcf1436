-- The profit each segment's offer is expected to keep, and whether that figure is measured or
-- assumed. Where the final read of an earlier campaign is informative (campaign_results: each
-- arm at least var min_arm_customers and the 95 % interval excluding 0), its measured success
-- share (the share of the control arm's decliners the offer kept) replaces the assumed var
-- lever_success_share and its range: the segment's own result first, else the whole campaign's.
-- The profit kept is that share x the segment's reachable profit at risk (its at-risk customers
-- who allow offers, segment_action_mix), for every segment of segment_summary (0 where none of
-- its customers is at risk). What segment_recommendations reads and words.
with

segments as (
    select * from {{ ref('segment_summary') }}
),

mix as (
    select * from {{ ref('segment_action_mix') }}
),

reachable as (
    select
        segments.segment_family,
        segments.segment_name,
        coalesce(sum(mix.consent_profit_at_risk), 0) as reachable_profit_at_risk
    from segments
    left join mix
        on
            segments.segment_family = mix.segment_family
            and segments.segment_name = mix.segment_name
    group by segments.segment_family, segments.segment_name
),

results as (
    select * from {{ ref('campaign_results') }}
),

measured as (
    select
        group_level,
        group_name,
        campaign_month,
        success_share,
        success_share_low,
        success_share_high
    from results
    where outcome_read = 'final' and is_informative and success_share is not null
    qualify row_number() over (
        partition by group_level, group_name order by campaign_month desc
    ) = 1
),

shares as (
    select
        reachable.segment_family,
        reachable.segment_name,
        reachable.reachable_profit_at_risk,
        coalesce(own.campaign_month, campaign.campaign_month) as measured_campaign_month,
        case
            when own.group_name is not null then 'segment'
            when campaign.group_name is not null then 'all'
        end as measured_level,
        coalesce(own.success_share, campaign.success_share) as measured_share,
        coalesce(own.success_share_low, campaign.success_share_low) as measured_share_low,
        coalesce(own.success_share_high, campaign.success_share_high) as measured_share_high
    from reachable
    left join measured as own
        on own.group_level = 'segment' and reachable.segment_name = own.group_name
    left join measured as campaign on campaign.group_level = 'all'
),

kept as (
    select
        segment_family,
        segment_name,
        reachable_profit_at_risk,
        case when measured_share is null then 'assumed' else 'measured' end as profit_kept_basis,
        measured_level,
        measured_campaign_month,
        coalesce(measured_share_low, {{ var('lever_success_share_range')['low'] }})
            as success_share_low,
        coalesce(measured_share, {{ var('lever_success_share') }}) as success_share,
        coalesce(measured_share_high, {{ var('lever_success_share_range')['high'] }})
            as success_share_high
    from shares
),

profit_kept as (
    select
        *,
        success_share_low * reachable_profit_at_risk as expected_profit_kept_low,
        success_share * reachable_profit_at_risk as expected_profit_kept,
        success_share_high * reachable_profit_at_risk as expected_profit_kept_high
    from kept
)

select * from profit_kept
