-- What the earlier campaigns changed, read from this delivery (the outcome of the campaign of
-- var profit_at_risk_months months ago, final, and of var early_read_months months ago, early):
-- contacted against control customers, for the whole campaign, per action and per targeted
-- segment. The final read compares the decline rate (the label «Покупательская активность»),
-- with Newcombe's hybrid score 95 % interval of the difference (method 10 of Newcombe 1998:
-- Wilson intervals of each rate, combined); the early read compares the mean revenue of the
-- current month, with a normal (Welch) interval, too early for a label. Customers of the
-- campaign missing from this delivery are left out (matched customers only). Empty with no
-- earlier campaign. Rates, differences and shares are rounded to 6 decimals, profits to 2.
{%- set z = var('effect_z')['confidence'] %}
with

assignments as (
    select * from {{ ref('past_campaign_assignments') }}
),

outcomes as (
    select * from {{ ref('customer_features') }}
),

matched as (
    select
        assignments.outcome_read,
        assignments.campaign_month,
        assignments.customer_id,
        assignments.arm,
        assignments.action_code,
        assignments.segments,
        assignments.profit,
        case
            when assignments.outcome_read = 'final'
                then cast(outcomes.activity_declined as double)
            else outcomes.revenue_current_month
        end as outcome
    from assignments
    inner join outcomes on assignments.customer_id = outcomes.customer_id
),

grouped as (
    select
        matched.*,
        'all' as group_level,
        'all' as group_name
    from matched
    union all
    select
        matched.*,
        'action' as group_level,
        matched.action_code as group_name
    from matched
    union all
    select
        matched.*,
        'segment' as group_level,
        trim(segment.segment_name) as group_name
    from matched
    cross join unnest(string_split(matched.segments, ',')) as segment (segment_name)
    where trim(segment.segment_name) != 'none'
),

arms as (
    select
        campaign_month,
        outcome_read,
        group_level,
        group_name,
        count(outcome) filter (where arm = 'contacted') as contacted_customers,
        count(outcome) filter (where arm = 'control') as control_customers,
        avg(outcome) filter (where arm = 'contacted') as contacted_value,
        avg(outcome) filter (where arm = 'control') as control_value,
        var_samp(outcome) filter (where arm = 'contacted') as contacted_variance,
        var_samp(outcome) filter (where arm = 'control') as control_variance,
        avg(outcome) as pooled_value,
        avg(profit) filter (where arm = 'contacted') as contacted_mean_profit
    from grouped
    where outcome is not null
    group by campaign_month, outcome_read, group_level, group_name
),

-- the Wilson bounds of each arm's decline rate (final read only: a rate)
wilson as (
    select
        *,
        case
            when outcome_read = 'final'
                then {{ wilson_bound('contacted_value', 'contacted_customers', z, -1) }}
        end as contacted_low,
        case
            when outcome_read = 'final'
                then {{ wilson_bound('contacted_value', 'contacted_customers', z, 1) }}
        end as contacted_high,
        case
            when outcome_read = 'final'
                then {{ wilson_bound('control_value', 'control_customers', z, -1) }}
        end as control_low,
        case
            when outcome_read = 'final'
                then {{ wilson_bound('control_value', 'control_customers', z, 1) }}
        end as control_high
    from arms
    where contacted_customers > 0 and control_customers > 0
),

intervals as (
    select
        *,
        contacted_value - control_value as difference,
        case
            when outcome_read = 'final'
                then
                    contacted_value - control_value - sqrt(
                        (contacted_value - contacted_low) ** 2
                        + (control_high - control_value) ** 2
                    )
            else
                contacted_value - control_value - {{ z }} * sqrt(
                    coalesce(contacted_variance, 0) / contacted_customers
                    + coalesce(control_variance, 0) / control_customers
                )
        end as difference_low,
        case
            when outcome_read = 'final'
                then
                    contacted_value - control_value + sqrt(
                        (contacted_high - contacted_value) ** 2
                        + (control_value - control_low) ** 2
                    )
            else
                contacted_value - control_value + {{ z }} * sqrt(
                    coalesce(contacted_variance, 0) / contacted_customers
                    + coalesce(control_variance, 0) / control_customers
                )
        end as difference_high,
        case
            when outcome_read = 'final'
                then {{ minimal_detectable_effect(
                    'pooled_value * (1 - pooled_value)',
                    'contacted_customers', 'control_customers'
                ) }}
            else {{ minimal_detectable_effect(
                '(coalesce(contacted_variance, 0) + coalesce(control_variance, 0)) / 2',
                'contacted_customers', 'control_customers'
            ) }}
        end as minimal_detectable_effect,
        contacted_mean_profit * {{ var('profit_at_risk_months') }} as profit_base
    from wilson
),

results as (
    select
        campaign_month,
        cast('{{ var("delivery_month") }}' as varchar) as outcome_month,
        outcome_read,
        case
            when outcome_read = 'final' then 'decline_rate' else 'mean_revenue'
        end as outcome,
        group_level,
        group_name,
        contacted_customers,
        control_customers,
        contacted_value,
        control_value,
        difference,
        difference_low,
        difference_high,
        case
            when outcome_read = 'final' then 'newcombe_hybrid_score' else 'welch_normal'
        end as interval_method,
        minimal_detectable_effect,
        coalesce(
            contacted_customers >= {{ var('min_arm_customers') }}
            and control_customers >= {{ var('min_arm_customers') }}
            and (difference_low > 0 or difference_high < 0),
            false
        ) as is_informative,
        -- the share of the control arm's decliners an offer kept: what var lever_success_share
        -- assumes (final read only; the interval holds the control rate fixed)
        case
            when outcome_read = 'final' and control_value > 0
                then -difference / control_value
        end as success_share,
        case
            when outcome_read = 'final' and control_value > 0
                then -difference_high / control_value
        end as success_share_low,
        case
            when outcome_read = 'final' and control_value > 0
                then -difference_low / control_value
        end as success_share_high,
        -- profit kept: the decline prevented x the contacted customers x their mean profit over
        -- var profit_at_risk_months months (the whole profit a declining customer puts at risk)
        profit_base,
        case
            when outcome_read = 'final'
                then -difference * contacted_customers * profit_base
        end as profit_kept,
        case
            when outcome_read = 'final'
                then -difference_high * contacted_customers * profit_base
        end as profit_kept_low,
        case
            when outcome_read = 'final'
                then -difference_low * contacted_customers * profit_base
        end as profit_kept_high
    from intervals
),

rounded as (
    select
        campaign_month,
        outcome_month,
        outcome_read,
        outcome,
        group_level,
        group_name,
        contacted_customers,
        control_customers,
        round(contacted_value, 6) as contacted_value,
        round(control_value, 6) as control_value,
        round(difference, 6) as difference,
        round(difference_low, 6) as difference_low,
        round(difference_high, 6) as difference_high,
        interval_method,
        round(minimal_detectable_effect, 6) as minimal_detectable_effect,
        is_informative,
        round(success_share, 6) as success_share,
        round(success_share_low, 6) as success_share_low,
        round(success_share_high, 6) as success_share_high,
        round(profit_base, 2) as profit_base,
        round(profit_kept, 2) as profit_kept,
        round(profit_kept_low, 2) as profit_kept_low,
        round(profit_kept_high, 2) as profit_kept_high
    from results
)

select * from rounded
