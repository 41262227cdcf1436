-- The site list: the customers at risk (a band of var at_risk_bands) who do not allow offers:
-- no message may be sent to them, so they are reached only through channels that need no
-- consent, such as what the site shows them; their actions need no consent
-- (customer_actions). Ranked and rounded like contact_list; customer_reasons explains the
-- first var reasons_top_n.
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

listed as (
    select candidates.*
    from candidates
    where
        not candidates.allow_offers
        and candidates.risk_band in {{ sql_list(var('at_risk_bands')) }}
),

ranked as (
    select
        row_number() over (
            order by listed.profit_at_risk desc, listed.customer_id asc
        ) as priority_rank,
        listed.customer_id,
        round(listed.decline_probability, 3) as decline_probability,
        listed.risk_band,
        round(listed.profit, 2) as profit,
        round(listed.profit_at_risk, 2) as profit_at_risk,
        round(sum(listed.profit_at_risk) over (
            order by listed.profit_at_risk desc, listed.customer_id asc
            rows between unbounded preceding and current row
        ), 2) as cumulative_profit_at_risk,
        listed.allow_offers,
        listed.favourite_category,
        actions.action_code,
        actions.action_ru,
        actions.action_en,
        actions.action_reason_code,
        actions.action_reason_ru,
        actions.action_reason_en,
        listed.top_reason_1,
        listed.top_reason_2,
        listed.top_reason_3,
        listed.reasons_ru,
        listed.reasons_en,
        listed.context_ru,
        listed.context_en,
        listed.segments,
        listed.segments_ru,
        listed.segments_en
    from listed
    inner join actions on listed.customer_id = actions.customer_id
)

select * from ranked
